// One audit record in full: the exact command, exit status, duration and the whole output; for a
// deploy's result, the steps and the button that exports its report.
import { useEffect, useState } from 'react';
import type { AuditRecord } from '../../../../shared/model';
import type { WireError } from '../../../../shared/errors';
import { deployIdOf } from '../../../../shared/audit-filter';
import { api } from '../../api';
import { wireErrorOf } from '../../errors';

type Full = AuditRecord & { fullOutput?: string };

export function AuditDetail({ seq, onClose }: { seq: number; onClose(): void }) {
  const [record, setRecord] = useState<Full | null>(null);
  const [error, setError] = useState<WireError | null>(null);
  const [report, setReport] = useState<{ path: string; url: string; fileName: string } | null>(null);

  useEffect(() => {
    setRecord(null);
    setReport(null);
    api.call('audit.record', { seq }).then(setRecord, (e: unknown) => setError(wireErrorOf(e)));
  }, [seq]);
  useEffect(
    () => () => {
      if (report) URL.revokeObjectURL(report.url);
    },
    [report],
  );

  const deployId = record ? deployIdOf(record) : undefined;
  const exportReport = async () => {
    if (!record?.server || !record.environment || !deployId) return;
    try {
      const r = await api.call('audit.report', { server: record.server, env: record.environment, deployId });
      setReport({
        path: r.path,
        fileName: r.fileName,
        url: URL.createObjectURL(new Blob([r.html], { type: 'text/html' })),
      });
    } catch (e) {
      setError(wireErrorOf(e));
    }
  };

  return (
    <aside className="audit-detail" aria-label={`Audit record ${seq}`}>
      <div className="dock-head">
        <h3>Record {seq}</h3>
        <button type="button" className="btn btn-small" onClick={onClose}>
          Close
        </button>
      </div>
      {error ? (
        <p className="error-text" role="alert">
          {error.message}
        </p>
      ) : null}
      {record ? (
        <>
          <dl className="facts">
            <dt>Action</dt>
            <dd className="mono">{record.action}</dd>
            <dt>When</dt>
            <dd>
              {new Date(record.at).toLocaleString()} by {record.actor}
            </dd>
            {record.server ? (
              <>
                <dt>Where</dt>
                <dd>
                  {record.server}
                  {record.environment ? `/${record.environment}` : ''}
                </dd>
              </>
            ) : null}
            {record.argv ? (
              <>
                <dt>Command</dt>
                <dd>
                  <code data-testid="audit-command">{record.argv.join(' ')}</code>
                </dd>
              </>
            ) : null}
            <dt>Result</dt>
            <dd>
              {record.ok ? 'ok' : 'failed'}
              {record.exitCode !== undefined ? ` · exit ${record.exitCode ?? 'none (no process exit)'}` : ''}
              {record.durationMs !== undefined ? ` · ${record.durationMs} ms` : ''}
            </dd>
            {deployId ? (
              <>
                <dt>Deploy</dt>
                <dd className="mono">{deployId}</dd>
              </>
            ) : null}
          </dl>
          {(record.fullOutput ?? record.output) ? (
            <pre className="code" data-testid="audit-output">
              {record.fullOutput ?? record.output}
            </pre>
          ) : null}
          {record.detail ? (
            <details>
              <summary>Details</summary>
              <pre className="code">{JSON.stringify(record.detail, null, 2)}</pre>
            </details>
          ) : null}
          {deployId && record.server && record.environment ? (
            <p>
              <button type="button" className="btn" onClick={() => void exportReport()}>
                Export deploy report
              </button>
              {report ? (
                <>
                  {' '}
                  <a className="btn btn-primary" href={report.url} download={report.fileName}>
                    Download {report.fileName}
                  </a>{' '}
                  <span className="hint" data-testid="report-path">
                    Saved to {report.path}
                  </span>
                </>
              ) : null}
            </p>
          ) : null}
        </>
      ) : !error ? (
        <p className="muted">Loading…</p>
      ) : null}
    </aside>
  );
}
