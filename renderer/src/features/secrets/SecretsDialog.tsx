// The secrets an environment needs (SMTP, an external database…): set, replace or remove each in the
// local secret store the app, the CLI and the browser host share. Values go in and are never shown.
import { useEffect } from 'react';
import { envKey } from '../../stores/environments';
import { useSecrets } from '../../stores/secrets';
import { SecretRow } from './SecretRow';

export function SecretsDialog({ server, env, onClose }: { server: string; env: string; onClose(): void }) {
  const key = envKey(server, env);
  const entry = useSecrets((s) => s.byEnv[key]);
  const load = useSecrets((s) => s.load);
  const setSecret = useSecrets((s) => s.set);
  const remove = useSecrets((s) => s.remove);
  useEffect(() => {
    void load(server, env);
  }, [server, env, load]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  return (
    <div className="dialog-backdrop">
      <div className="dialog dialog-wide" role="dialog" aria-modal="true" aria-labelledby="secrets-title">
        <h2 id="secrets-title">
          Secrets of {server}/{env}
        </h2>
        <p className="hint">
          Kept encrypted in this computer&apos;s Flipdeck home, shared with the CLI (<code>flipdeck secret</code>). A
          value is never shown again once stored: to change one, type the new value. In CI a FLIPDECK_SECRET_… variable
          overrides the stored value.
        </p>
        {entry?.listError ? (
          <div className="callout callout-bad" role="alert">
            <strong>{entry.listError.message}</strong>
            {entry.listError.fix ? <p>{entry.listError.fix}</p> : null}
          </div>
        ) : null}
        {!entry?.list && !entry?.listError ? <p className="muted">Reading the environment…</p> : null}
        {entry?.list?.length === 0 ? (
          <p className="muted">
            This environment refers to no secrets (no <code>{'{secret: NAME}'}</code> values in <code>env:</code>, no
            external database password).
          </p>
        ) : null}
        {entry?.list && entry.list.length > 0 ? (
          <ul className="secret-list" aria-label={`Secrets of ${server}/${env}`}>
            {entry.list.map((s) => (
              <SecretRow
                key={s.name}
                secret={s}
                busy={entry.busy}
                outcome={entry.outcome[s.name]}
                onSet={(value) => void setSecret(server, env, s.name, value)}
                onRemove={() => void remove(server, env, s.name)}
              />
            ))}
          </ul>
        ) : null}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
