// The emergency rollback: one confirm, then the progress and the outcome.
import { useState } from 'react';
import { envKey } from '../../stores/environments';
import { useDeploys } from '../../stores/deploys';
import { DeployProgress } from '../deploy/DeployProgress';
import { phaseOf } from '../deploy/deploy-view';

/** `onRestore`: offered once a rollback over a migrated database is done (the backup undoes the migration). */
export function RollbackDialog({
  server,
  env,
  keptPool: keptAtOpen,
  migrated,
  backup,
  onClose,
  onRestore,
}: {
  server: string;
  env: string;
  keptPool: string;
  migrated?: boolean | undefined;
  backup?: string | undefined;
  onClose(): void;
  onRestore?(): void;
}) {
  // What the dialog opened with: once rolled back, the server's status no longer says "migrated".
  const [migratedAtOpen] = useState(migrated);
  migrated = migratedAtOpen;
  // The kept pool changes once the rollback is done (the other pool is kept then): keep the title steady.
  const [keptPool] = useState(keptAtOpen);
  const key = envKey(server, env);
  const start = useDeploys((s) => s.start);
  const stream = useDeploys((s) => s.current[key]);
  const view = useDeploys((s) => (stream ? s.views[stream] : undefined));
  const startError = useDeploys((s) => s.startError[key]);
  const [started, setStarted] = useState(false);
  return (
    <div className="dialog-backdrop">
      <div className="dialog dialog-danger dialog-wide" role="alertdialog" aria-modal="true" aria-labelledby="rb-title">
        <h2 id="rb-title">
          Roll back {server}/{env} to {keptPool}
        </h2>
        {started && view ? (
          <DeployProgress view={view} />
        ) : (
          <>
            <p>
              Traffic flips back to the kept <strong>{keptPool}</strong> pool once Flipdeck has checked it answers; the
              current pool drains. Crons move back too.
            </p>
            {migrated ? (
              <div className="callout notice" role="note" data-testid="rollback-migrated">
                <strong>The database was migrated since {keptPool} was live.</strong>
                <p>
                  Rolling back the code does not undo the module update: the {keptPool} pool will run on the new schema.
                  {backup ? (
                    <>
                      {' '}
                      If it cannot, restore the backup taken before the update once rolled back: <code>
                        {backup}
                      </code>{' '}
                      (on the server). Data written since the backup is then no longer live.
                    </>
                  ) : null}
                </p>
              </div>
            ) : (
              <p className="hint">
                The database was not migrated since {keptPool} was live: the rollback is code only.
              </p>
            )}
            {startError ? (
              <div className="callout callout-bad" role="alert">
                <strong>{startError.message}</strong>
                {startError.fix ? <p>{startError.fix}</p> : null}
              </div>
            ) : null}
            <div className="dialog-actions">
              <button type="button" className="btn" onClick={onClose}>
                Keep the current pool
              </button>
              <button
                type="button"
                className="btn btn-danger"
                onClick={() => {
                  setStarted(true);
                  void start(server, env, 'rollback');
                }}
              >
                Roll back now
              </button>
            </div>
          </>
        )}
        {started ? (
          <div className="dialog-actions">
            {migrated && view && phaseOf(view) === 'done' && onRestore ? (
              <button type="button" className="btn btn-danger" onClick={onRestore}>
                Restore the database backup…
              </button>
            ) : null}
            <button type="button" className="btn" onClick={onClose}>
              Close
            </button>
          </div>
        ) : null}
      </div>
    </div>
  );
}
