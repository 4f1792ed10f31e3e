// Import servers from ~/.ssh/config: the hosts it names (wildcards left out), chosen one by one, into
// a client. Host keys are not trusted here: each server asks on its first connection.
import { useEffect, useState } from 'react';
import type { SshConfigHost } from '../../../../shared/model';
import type { WireError } from '../../../../shared/errors';
import { api } from '../../api';
import { wireErrorOf } from '../../errors';
import { useFleet } from '../../stores/fleet';

export function ImportSshConfigDialog({ onClose }: { onClose(): void }) {
  const importHosts = useFleet((s) => s.importSshConfig);
  const [hosts, setHosts] = useState<SshConfigHost[] | null>(null);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [client, setClient] = useState('');
  const [error, setError] = useState<WireError | null>(null);
  const [result, setResult] = useState<{ added: string[]; skipped: { alias: string; reason: string }[] } | null>(null);

  useEffect(() => {
    api.call('servers.sshConfigHosts', {}).then(setHosts, (e: unknown) => setError(wireErrorOf(e)));
  }, []);

  const toggle = (alias: string) =>
    setChosen((s) => {
      const next = new Set(s);
      if (next.has(alias)) next.delete(alias);
      else next.add(alias);
      return next;
    });
  const run = async () => {
    try {
      setResult(await importHosts(client.trim() || 'Unsorted', [...chosen]));
    } catch (e) {
      setError(wireErrorOf(e));
    }
  };

  return (
    <div className="dialog-backdrop">
      <div className="dialog dialog-wide" role="dialog" aria-modal="true" aria-labelledby="import-title">
        <h2 id="import-title">Import from ~/.ssh/config</h2>
        {error ? (
          <div className="callout callout-bad" role="alert">
            <strong>{error.message}</strong>
            {error.fix ? <p>{error.fix}</p> : null}
          </div>
        ) : null}
        {hosts === null && !error ? <p className="muted">Reading ~/.ssh/config…</p> : null}
        {hosts && hosts.length === 0 ? (
          <p className="muted">~/.ssh/config names no host to import (wildcard patterns are left out).</p>
        ) : null}
        {hosts && hosts.length > 0 && !result ? (
          <>
            <label className="field">
              <span>Client</span>
              <input value={client} onChange={(e) => setClient(e.target.value)} placeholder="e.g. Acme" />
            </label>
            <table className="data compact" aria-label="Hosts in ~/.ssh/config">
              <thead>
                <tr>
                  <th scope="col">
                    <span className="visually-hidden">Import</span>
                  </th>
                  <th scope="col">Alias</th>
                  <th scope="col">Connects to</th>
                  <th scope="col">Key</th>
                </tr>
              </thead>
              <tbody>
                {hosts.map((h) => (
                  <tr key={h.alias}>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Import ${h.alias}`}
                        checked={chosen.has(h.alias)}
                        onChange={() => toggle(h.alias)}
                      />
                    </td>
                    <td>
                      <strong>{h.alias}</strong>
                    </td>
                    <td className="mono">
                      {h.user ? `${h.user}@` : ''}
                      {h.host}:{h.port}
                      {h.proxyJump ? ` via ${h.proxyJump}` : ''}
                    </td>
                    <td className="mono muted">{h.identityFile ?? 'ssh-agent'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="hint">
              Each imported server asks you to confirm its host key the first time Flipdeck connects.
            </p>
          </>
        ) : null}
        {result ? (
          <div className="callout callout-ok" role="status" data-testid="import-result">
            <strong>
              Imported {result.added.length} server(s){result.added.length ? `: ${result.added.join(', ')}` : ''}.
            </strong>
            {result.skipped.length ? (
              <ul>
                {result.skipped.map((s) => (
                  <li key={s.alias}>
                    {s.alias}: {s.reason}
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
        ) : null}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            {result ? 'Close' : 'Cancel'}
          </button>
          {!result ? (
            <button type="button" className="btn btn-primary" disabled={chosen.size === 0} onClick={() => void run()}>
              Import {chosen.size || ''}
            </button>
          ) : null}
        </div>
      </div>
    </div>
  );
}
