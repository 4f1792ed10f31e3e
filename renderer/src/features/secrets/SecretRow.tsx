// One secret an environment refers to: its state and source, a field to set or replace it, and a
// remove that asks once, naming what a deploy will then do.
import { useState } from 'react';
import type { SecretStatus } from '../../../../shared/model';
import type { SecretsEntry } from '../../stores/secrets';
import { SecretStateBadge, sourceText } from './SecretStateBadge';
import { SecretValueForm } from './SecretValueForm';

export function SecretRow({
  secret,
  busy,
  outcome,
  onSet,
  onRemove,
}: {
  secret: SecretStatus;
  busy: SecretsEntry['busy'];
  outcome: SecretsEntry['outcome'][string];
  onSet(value: string): void;
  onRemove(): void;
}) {
  const [confirming, setConfirming] = useState(false);
  const mine = busy?.name === secret.name;
  const storedHere = secret.set && secret.source !== 'environment';

  return (
    <li className="secret-row" data-testid={`secret-${secret.name}`}>
      <div className="secret-head">
        <code>{secret.name}</code> <SecretStateBadge secret={secret} />
        <span className="hint">{secret.usedBy.join(', ')}</span>
      </div>
      <p className="hint">{sourceText(secret)}</p>
      <SecretValueForm name={secret.name} isSet={secret.set} busy={!!busy} onSubmit={onSet} />
      {storedHere && !confirming ? (
        <button
          type="button"
          className="btn btn-small"
          disabled={!!busy}
          onClick={() => setConfirming(true)}
          aria-label={`Remove ${secret.name}…`}
        >
          Remove…
        </button>
      ) : null}
      {confirming ? (
        <div className="callout" role="group" aria-label={`Remove ${secret.name}?`}>
          <p>
            Remove <code>{secret.name}</code> from the local secret store? The app, the CLI and the browser host all
            stop seeing it; a deploy of an environment that needs it then stops before it starts anything. What runs now
            keeps running.
          </p>
          <button
            type="button"
            className="btn btn-danger btn-small"
            onClick={() => {
              setConfirming(false);
              onRemove();
            }}
          >
            Remove {secret.name}
          </button>{' '}
          <button type="button" className="btn btn-small" onClick={() => setConfirming(false)}>
            Keep it
          </button>
        </div>
      ) : null}
      {mine ? (
        <p role="status" aria-live="polite" className="hint">
          {busy?.action === 'set' ? 'Storing…' : 'Removing…'}
        </p>
      ) : null}
      {outcome?.ok ? (
        <p role="status" className="hint" data-testid={`secret-outcome-${secret.name}`}>
          {outcome.text}
        </p>
      ) : null}
      {outcome && !outcome.ok ? (
        <div className="callout callout-bad" role="alert">
          <strong>{outcome.error.message}</strong>
          {outcome.error.fix ? <p>{outcome.error.fix}</p> : null}
        </div>
      ) : null}
    </li>
  );
}
