// One running (or finished) deploy: the steps, the build log, readiness per worker, the flip
// confirm, the drain counting down, then the summary or the failure card.
import { useEffect, useRef, useState } from 'react';
import { DEPLOY_STEPS } from '../../../../shared/deploy';
import { useDeploys } from '../../stores/deploys';
import { drainSecondsLeft, phaseOf, type DeployView } from './deploy-view';
import { FailureCard } from './FailureCard';
import { stepLabel } from './steps';

const secs = (ms?: number) => (ms === undefined ? '' : `${(ms / 1000).toFixed(1)} s`);

function useNow(active: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

export function DeployProgress({ view, onRetry }: { view: DeployView; onRetry?(): void }) {
  const confirmFlip = useDeploys((s) => s.confirmFlip);
  const cancel = useDeploys((s) => s.cancel);
  const phase = phaseOf(view);
  const now = useNow(phase === 'running' || phase === 'awaiting_flip');
  const logRef = useRef<HTMLPreElement>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    logRef.current?.scrollTo({ top: logRef.current.scrollHeight });
  }, [view.log.length]);
  // The engine says which steps this run takes; until it has, the usual ones for its kind.
  const steps =
    view.plan ??
    (view.kind === 'rollback'
      ? DEPLOY_STEPS.filter((s) => s !== 'preflight' && s !== 'build' && s !== 'green_starting' && s !== 'migrating')
      : DEPLOY_STEPS.filter((s) => s !== 'migrating'));
  const beforeFlip = view.steps.flipping.state === 'pending';
  const left = drainSecondsLeft(view, now);

  return (
    <div className="deploy-progress" data-testid="deploy-progress" data-phase={phase}>
      <ol className="stepper" aria-label="Deploy steps">
        {steps.map((s) => (
          <li
            key={s}
            className={`step step-${view.steps[s].state}`}
            data-testid={`step-${s}`}
            data-state={view.steps[s].state}
          >
            <span>{stepLabel(s)}</span> <span className="muted">{secs(view.steps[s].ms)}</span>
          </li>
        ))}
      </ol>

      {view.notices.map((n) => (
        <p key={n} className="callout notice">
          {n}
        </p>
      ))}

      {view.log.length > 0 ? (
        <details open={phase === 'running' && view.steps.build.state === 'running'}>
          <summary>Log ({view.log.length} lines)</summary>
          <pre ref={logRef} className="code log" data-testid="deploy-log">
            {view.log
              .slice(-400)
              .map((l) => `[${l.step}] ${l.line}`)
              .join('\n')}
          </pre>
        </details>
      ) : null}

      {Object.keys(view.probes).length > 0 && view.steps.flipping.state === 'pending' ? (
        <table className="data" aria-label="Readiness per worker">
          <thead>
            <tr>
              <th>Worker</th>
              <th>Probes</th>
              <th>Last answer</th>
              <th>Ready</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(view.probes).map(([w, p]) => (
              <tr key={w} data-testid={`probe-${w}`}>
                <td>
                  <code>{w}</code>
                </td>
                <td>{p.attempts}</td>
                <td>{p.last.detail}</td>
                <td>{p.last.ok ? '✓' : '…'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}

      {view.migration ? (
        <div
          className={`callout ${view.migration.changes.kind === 'schema-changing' ? 'notice' : ''}`}
          data-testid="migration"
        >
          <strong>
            {view.migration.changes.kind === 'schema-changing'
              ? 'Schema-changing deploy'
              : view.migration.changes.kind === 'code-only'
                ? 'Code-only deploy: no module update'
                : 'Modules not compared (no stamp on the live image)'}
          </strong>
          {view.migration.changes.update.length ? (
            <p>
              Updated (-u): <code>{view.migration.changes.update.join(', ')}</code>
            </p>
          ) : null}
          {view.migration.changes.install.length ? (
            <p>
              Installed (-i): <code>{view.migration.changes.install.join(', ')}</code>
            </p>
          ) : null}
          {view.migration.backup ? (
            <p>
              Database backup: <code>{view.migration.backup}</code>
            </p>
          ) : null}
          {view.migration.updateMs !== undefined ? (
            <p>
              The update ran{' '}
              {view.migration.mode === 'cutover'
                ? 'behind the maintenance page'
                : 'online (the live pool kept serving)'}{' '}
              for {secs(view.migration.updateMs)}
              {view.migration.cutoverMs !== undefined
                ? `; visitors saw the maintenance page (503 + Retry-After) for ${secs(view.migration.cutoverMs)}`
                : ''}
              .
            </p>
          ) : null}
        </div>
      ) : null}

      {phase === 'awaiting_flip' ? (
        <div className="callout flip-confirm" role="group" aria-label="Flip">
          <strong>The new pool is ready.</strong>
          <p>Flip sends new requests to it; requests in flight on the old pool finish there.</p>
          <div className="dialog-actions">
            <button type="button" className="btn" disabled={busy} onClick={() => void cancel(view.stream)}>
              Cancel deploy
            </button>
            <button
              type="button"
              className="btn btn-primary"
              disabled={busy}
              onClick={() => {
                setBusy(true);
                void confirmFlip(view.stream).finally(() => setBusy(false));
              }}
            >
              Flip traffic now
            </button>
          </div>
        </div>
      ) : null}

      {view.drain && view.steps.draining.state === 'running' ? (
        <div aria-label="Drain" data-testid="drain">
          <p>Draining the old pool: {left} s left before what remains is cut.</p>
          <ul>
            {Object.entries(view.drain.sessions).map(([w, n]) => (
              <li key={w}>
                <code>{w}</code>: {n} in flight
              </li>
            ))}
          </ul>
        </div>
      ) : null}

      {phase === 'running' && beforeFlip ? (
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={() => void cancel(view.stream)}>
            Cancel deploy
          </button>
        </div>
      ) : null}

      {phase === 'done' && view.result ? (
        <div className="callout callout-ok" role="status" data-testid="deploy-summary">
          <strong>
            {view.kind === 'deploy' ? 'Deployed' : 'Rolled back'} in{' '}
            {secs(view.result.steps.reduce((n, s) => n + s.ms, 0))}
          </strong>
          <ul>
            {view.result.steps.map((s) => (
              <li key={s.id}>
                {stepLabel(s.id)}: {secs(s.ms)}
              </li>
            ))}
          </ul>
          {view.counters ? (
            <p data-testid="summary-counters">
              Since the flip the edge served <strong>{view.counters.requests}</strong> requests;{' '}
              <strong>{view.counters.failed}</strong> failed.
            </p>
          ) : null}
          {view.assets ? (
            <p data-testid="summary-assets">
              Odoo generated <strong>{view.assets.regenerations ?? 'an unknown number of'}</strong> asset bundle(s)
              during the deploy
              {view.assets.firstPageMs !== null ? (
                <>
                  ; the first page after the flip took <strong>{view.assets.firstPageMs} ms</strong>
                </>
              ) : null}
              .
            </p>
          ) : null}
        </div>
      ) : null}
      {phase === 'cancelled' ? (
        <p className="callout" role="status">
          Cancelled. The new pool was removed; the live pool was not touched.
        </p>
      ) : null}
      {phase === 'failed' && view.failure ? (
        <FailureCard step={view.failure.step} reason={view.failure.reason} {...(onRetry ? { onRetry } : {})} />
      ) : null}
      {phase === 'failed' && !view.failure && view.error ? (
        <div className="callout callout-bad" role="alert" data-testid="failure-card">
          <strong>{view.error.message}</strong>
          {view.error.fix ? <p>{view.error.fix}</p> : null}
          {onRetry ? (
            <div className="dialog-actions">
              <button type="button" className="btn" onClick={onRetry}>
                Retry
              </button>
            </div>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
