import { useState } from 'react';
import type { ConnectOutcome } from '../../../../shared/model';
import { useFleet } from '../../stores/fleet';
import { wireErrorOf } from '../../errors';

type KeyOutcome = Extract<ConnectOutcome, { kind: 'host_key_unknown' | 'host_key_changed' }>;

export function HostKeyDialog({
  serverId,
  serverName,
  host,
  outcome,
  onClose,
}: {
  serverId: string;
  serverName: string;
  host: string;
  outcome: KeyOutcome;
  onClose(): void;
}) {
  const trust = useFleet((s) => s.trust);
  const [error, setError] = useState<string | null>(null);
  const hop = outcome.hop === 'jump' ? 'the jump host of ' : '';
  if (outcome.kind === 'host_key_changed') {
    return (
      <div className="dialog-backdrop">
        <div
          className="dialog dialog-danger"
          role="alertdialog"
          aria-modal="true"
          aria-labelledby="hk-title"
          aria-describedby="hk-desc"
        >
          <h2 id="hk-title">
            The host key of {hop}
            {serverName} has changed
          </h2>
          <p id="hk-desc">
            Flipdeck will not connect. This happens when the server was reinstalled — or when someone is in the middle.
            Confirm the new key with the server&apos;s administrator before you change anything.
          </p>
          <dl className="fingerprints">
            <dt>Pinned</dt>
            <dd>
              <code>{outcome.pinned}</code>
            </dd>
            <dt>Presented now</dt>
            <dd>
              <code>{outcome.presented}</code>
            </dd>
          </dl>
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={onClose} autoFocus>
              Close
            </button>
          </div>
        </div>
      </div>
    );
  }
  return (
    <div className="dialog-backdrop">
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="hk-title">
        <h2 id="hk-title">
          First connection to {hop}
          {serverName}
        </h2>
        <p>
          Check that this fingerprint is the one of <strong>{host}</strong> (on the server:{' '}
          <code>ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</code>). Flipdeck will refuse to connect if it ever
          changes.
        </p>
        <dl className="fingerprints">
          <dt>{outcome.algorithm || 'key'}</dt>
          <dd>
            <code data-testid="host-key-fingerprint">{outcome.fingerprint}</code>
          </dd>
        </dl>
        {error ? (
          <p className="error-text" role="alert">
            {error}
          </p>
        ) : null}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => void trust(serverId).then(onClose, (e: unknown) => setError(wireErrorOf(e).message))}
          >
            Trust and connect
          </button>
        </div>
      </div>
    </div>
  );
}
