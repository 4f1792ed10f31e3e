// The guided deploy: choose a ref → pre-flight (blocked on fail, warnings need a confirm) → build →
// readiness → one deliberate flip → drain → summary. Closing the dialog never stops the deploy.
import { useEffect, useState } from 'react';
import { envKey, useEnvironments } from '../../stores/environments';
import { useDeploys } from '../../stores/deploys';
import { DeployProgress } from './DeployProgress';
import { PreflightList } from './PreflightList';
import { isSchemaChanging, preflightGate } from '../../../../shared/preflight-gate';

export function DeployWizard({ server, env, onClose }: { server: string; env: string; onClose(): void }) {
  const key = envKey(server, env);
  const preflight = useEnvironments((s) => s.preflight[key]);
  const runPreflight = useEnvironments((s) => s.runPreflight);
  const start = useDeploys((s) => s.start);
  const stream = useDeploys((s) => s.current[key]);
  const view = useDeploys((s) => (stream ? s.views[stream] : undefined));
  const startError = useDeploys((s) => s.startError[key]);
  const [ref, setRef] = useState('');
  const [acceptWarnings, setAcceptWarnings] = useState(false);
  const [updateMode, setUpdateMode] = useState<'online' | 'cutover'>('online');

  useEffect(() => {
    if (!stream) void runPreflight(server, env);
  }, [server, env, stream, runPreflight]);

  const checks = preflight?.checks ?? [];
  const gate = preflightGate(checks, { acceptWarnings });
  const failed = !gate.go && gate.reason === 'failed';
  const warned = gate.warnings.length > 0;
  const canStart = !!preflight?.checks && gate.go;
  const schemaChanging = isSchemaChanging(checks);

  return (
    <div className="dialog-backdrop">
      <div className="dialog dialog-wide" role="dialog" aria-modal="true" aria-labelledby="wizard-title">
        <h2 id="wizard-title">
          Deploy {server}/{env}
        </h2>
        {view ? (
          <DeployProgress view={view} onRetry={() => void start(server, env, 'deploy', ref || undefined)} />
        ) : (
          <>
            <label className="field">
              <span>Git ref (branch, tag or commit; empty: the environment&apos;s own)</span>
              <input
                value={ref}
                onChange={(e) => setRef(e.target.value)}
                placeholder="e.g. v2.3.1"
                spellCheck={false}
              />
            </label>
            <h3>Pre-flight</h3>
            {preflight?.running ? <p className="muted">Checking the server…</p> : null}
            {preflight?.error ? (
              <div className="callout callout-bad" role="alert">
                <strong>{preflight.error.message}</strong>
                {preflight.error.fix ? <p>{preflight.error.fix}</p> : null}
              </div>
            ) : null}
            {preflight?.checks ? <PreflightList checks={preflight.checks} /> : null}
            {schemaChanging ? (
              <fieldset className="update-mode" data-testid="update-mode">
                <legend>This deploy changes the database: how should the module update run?</legend>
                <label>
                  <input
                    type="radio"
                    name="update-mode"
                    checked={updateMode === 'online'}
                    onChange={() => setUpdateMode('online')}
                  />{' '}
                  <strong>Online</strong> — the live pool keeps serving during the update; writes to the changed models
                  may hit the old code on the new schema for its duration.
                </label>
                <label>
                  <input
                    type="radio"
                    name="update-mode"
                    checked={updateMode === 'cutover'}
                    onChange={() => setUpdateMode('cutover')}
                  />{' '}
                  <strong>Short cutover</strong> — visitors get a maintenance page (503 + Retry-After) for exactly the
                  update; its length is measured and reported.
                </label>
                <p className="hint">
                  Either way: a database backup first, and the update rehearsed on a copy before it runs for real.
                </p>
              </fieldset>
            ) : null}
            {failed ? (
              <p className="error-text" role="alert">
                A check failed: fix it, then run pre-flight again.
              </p>
            ) : null}
            {warned ? (
              <label className="field-inline">
                <input type="checkbox" checked={acceptWarnings} onChange={(e) => setAcceptWarnings(e.target.checked)} />{' '}
                I have read the warnings and want to deploy anyway
              </label>
            ) : null}
            {startError ? (
              <div className="callout callout-bad" role="alert">
                <strong>{startError.message}</strong>
                {startError.fix ? <p>{startError.fix}</p> : null}
              </div>
            ) : null}
            <div className="dialog-actions">
              <button type="button" className="btn" onClick={() => void runPreflight(server, env)}>
                Run pre-flight again
              </button>
              <button
                type="button"
                className="btn btn-primary"
                disabled={!canStart}
                onClick={() =>
                  void start(server, env, 'deploy', ref.trim() || undefined, schemaChanging ? updateMode : undefined)
                }
              >
                Start deploy
              </button>
            </div>
          </>
        )}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
