import type { FailureReason, StepId } from '../../../../shared/deploy';
import { stepLabel } from './steps';

/** The step and why, in full: the command, its exit code and what it printed, or the last probes. */
export function FailureCard({ step, reason, onRetry }: { step: StepId; reason: FailureReason; onRetry?(): void }) {
  return (
    <div className="callout callout-bad failure-card" role="alert" data-testid="failure-card">
      <strong>Failed at {stepLabel(step)}</strong>
      {reason.kind === 'command' ? (
        <>
          <p>This command exited {reason.exitCode ?? 'on a signal'}:</p>
          <pre className="code">{reason.argv.join(' ')}</pre>
          {reason.stderr ? (
            <pre className="code output" data-testid="failure-output">
              {reason.stderr.split('\n').slice(-30).join('\n')}
            </pre>
          ) : null}
        </>
      ) : null}
      {reason.kind === 'timeout' ? (
        <>
          <p>No answer in {Math.round(reason.waitedMs / 1000)} s. Last probe of each worker:</p>
          <ul>
            {reason.lastProbes.map((p) => (
              <li key={p.worker}>
                <code>{p.worker}</code>: {p.detail}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {reason.kind === 'refused' ? <p>{reason.why}</p> : null}
      {reason.kind === 'error' ? <p>{reason.message}</p> : null}
      <p className="hint">
        The live pool was not touched
        {step === 'flipping' || step === 'draining' || step === 'live'
          ? ' before the flip; check the environment view for what serves now'
          : ''}
        .
      </p>
      {onRetry ? (
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onRetry}>
            Retry
          </button>
        </div>
      ) : null}
    </div>
  );
}
