import { useEffect, useState } from 'react';
import type { AuditRecord, AuditVerification } from '../../../../shared/model';
import { api } from '../../api';

export function AuditDock({ version }: { version: number }) {
  const [records, setRecords] = useState<AuditRecord[]>([]);
  const [verification, setVerification] = useState<AuditVerification | null>(null);
  useEffect(() => {
    const load = () => {
      void api.call('audit.list', { limit: 50 }).then(setRecords, () => undefined);
      void api.call('audit.verify', {}).then(setVerification, () => undefined);
    };
    load();
    // Actions from the CLI or another window land in the same log: keep the view current.
    const t = setInterval(load, 3000);
    return () => clearInterval(t);
  }, [version]);
  return (
    <section className="dock" aria-labelledby="dock-title">
      <div className="dock-head">
        <h2 id="dock-title">Audit history</h2>
        {verification ? <span className={`status status-${verification.ok ? 'ok' : 'bad'}`}><span className="dot" aria-hidden="true" />{verification.ok ? 'chain intact' : `chain broken at ${verification.brokenAt}`}</span> : null}
      </div>
      <table className="data compact" aria-label="Audit history">
        <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Server</th><th scope="col">Action</th><th scope="col">Result</th></tr></thead>
        <tbody>
          {records.map((r) => (
            <tr key={r.seq}>
              <td className="mono">{new Date(r.at).toLocaleTimeString()}</td>
              <td>{r.actor}</td>
              <td>{r.server ?? '—'}</td>
              <td className="mono">{r.action}{r.argv ? ` ${r.argv.join(' ')}` : ''}</td>
              <td>{r.ok ? 'ok' : <span className="error-text">failed</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
