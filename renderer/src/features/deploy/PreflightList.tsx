import type { PreflightCheck } from '../../../../shared/deploy';

const MARK = { pass: '✓', warn: '!', fail: '✗' } as const;

export function PreflightList({ checks }: { checks: PreflightCheck[] }) {
  return (
    <ul className="checks" aria-label="Pre-flight checks">
      {checks.map((c) => (
        <li key={c.id} className={`check check-${c.status}`} data-testid={`check-${c.id}`}>
          <span className="check-mark" aria-label={c.status}>
            {MARK[c.status]}
          </span>
          <div>
            <strong>{c.id.replace(/_/g, ' ')}</strong> — {c.message}
            {c.fix ? <p className="hint">How to fix: {c.fix}</p> : null}
          </div>
        </li>
      ))}
    </ul>
  );
}
