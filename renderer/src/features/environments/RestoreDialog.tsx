// Restoring a database backup (after rolling back a schema-changing deploy): pick the backup (the
// one taken before the kept pool's migration is preselected), read what happens, confirm.
import { useEffect, useState } from 'react';
import { envKey } from '../../stores/environments';
import { useRestore } from '../../stores/restore';
import { formatSize } from '../../ui/format';

export function RestoreDialog({ server, env, onClose }: { server: string; env: string; onClose(): void }) {
  const key = envKey(server, env);
  const entry = useRestore((s) => s.byEnv[key]);
  const list = useRestore((s) => s.list);
  const restore = useRestore((s) => s.restore);
  const [picked, setPicked] = useState<string | null>(null);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!entry?.running) void list(server, env);
    // Only when the dialog opens: a finished restore stays on screen.
  }, [server, env]);
  useEffect(() => {
    if (!entry?.running) return;
    const t = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(t);
  }, [entry?.running]);
  const choice = picked ?? entry?.suggested ?? entry?.backups?.[0]?.name ?? null;
  const busy = !!entry?.running;

  return (
    <div className="dialog-backdrop">
      <div
        className="dialog dialog-danger dialog-wide"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="restore-title"
      >
        <h2 id="restore-title">
          Restore a database backup of {server}/{env}
        </h2>
        {entry?.outcome ? (
          <div className="callout callout-ok" role="status" data-testid="restore-outcome">
            <strong>Restored {entry.outcome.backup}.</strong>
            <p>
              The maintenance page was shown for {(entry.outcome.windowMs / 1000).toFixed(1)} s. The database as it was
              is kept as <code>{entry.outcome.keptAs}</code>.
              {entry.outcome.removedKept
                ? ` The kept ${entry.outcome.removedKept} pool was removed: its code expected the schema the backup undid.`
                : ''}
            </p>
          </div>
        ) : (
          <>
            <p>
              The database goes back to the moment of the backup. Flipdeck restores a copy while the live pool keeps
              serving, then swaps it in behind the maintenance page (503 + Retry-After) with crons stopped. Data written
              since the backup is no longer live: it stays in the old database, renamed aside, never dropped. Files in
              the filestore are not touched.
            </p>
            {entry?.listError ? (
              <div className="callout callout-bad" role="alert">
                <strong>{entry.listError.message}</strong>
                {entry.listError.fix ? <p>{entry.listError.fix}</p> : null}
              </div>
            ) : null}
            {entry?.backups === null && !entry?.listError ? (
              <p className="muted">Reading the backups on the server…</p>
            ) : null}
            {entry?.backups?.length === 0 ? (
              <p className="muted">No backups on the server: only schema-changing deploys take one.</p>
            ) : null}
            {entry?.backups && entry.backups.length > 0 ? (
              <fieldset className="backup-list" disabled={busy}>
                <legend>Backups on the server (newest first)</legend>
                {entry.backups.map((b) => (
                  <label key={b.name} className="radio-row">
                    <input
                      type="radio"
                      name="backup"
                      value={b.name}
                      checked={choice === b.name}
                      onChange={() => setPicked(b.name)}
                    />
                    <code>{b.name}</code>{' '}
                    <span className="muted">
                      {formatSize(b.bytes)} · {new Date(b.at).toLocaleString()}
                      {b.deployId ? ` · before deploy ${b.deployId}` : ''}
                    </span>
                    {b.name === entry.suggested ? (
                      <span className="badge">taken before the kept pool&apos;s migration</span>
                    ) : null}
                  </label>
                ))}
              </fieldset>
            ) : null}
            {busy ? (
              <p role="status" aria-live="polite">
                Restoring {entry?.running?.backup}… {Math.round((now - (entry?.running?.since ?? now)) / 1000)} s
              </p>
            ) : null}
            {entry?.error ? (
              <div className="callout callout-bad" role="alert">
                <strong>{entry.error.message}</strong>
                {entry.error.fix ? <p>{entry.error.fix}</p> : null}
              </div>
            ) : null}
          </>
        )}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose} disabled={busy}>
            {entry?.outcome ? 'Close' : 'Cancel'}
          </button>
          {!entry?.outcome ? (
            <button
              type="button"
              className="btn btn-danger"
              disabled={!choice || busy}
              onClick={() => choice && void restore(server, env, choice)}
            >
              Restore {choice ?? ''}
            </button>
          ) : null}
        </div>
      </div>
    </div>
  );
}
