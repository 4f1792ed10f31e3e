// The audit history: every remote and local action, filtered by client, server, environment, kind
// and date; a record's detail shows its exact command and whole output; a deploy's record exports
// the report a consultant sends to the client.
import { useEffect, useState } from 'react';
import type { AuditRecord, AuditVerification } from '../../../../shared/model';
import { actionKind, deployIdOf } from '../../../../shared/audit-filter';
import { api } from '../../api';
import { useFleet } from '../../stores/fleet';
import { AuditDetail } from './AuditDetail';

const KINDS = ['deploy', 'rollback', 'edge', 'docker', 'resources', 'terminal', 'server', 'host-key', 'client'];

export interface AuditFilterState {
  client: string;
  server: string;
  environment: string;
  kind: string;
  from: string;
  to: string;
  text: string;
}

const EMPTY: AuditFilterState = { client: '', server: '', environment: '', kind: '', from: '', to: '', text: '' };

export function AuditView({ version }: { version: number }) {
  const inventory = useFleet((s) => s.inventory);
  const [filter, setFilter] = useState<AuditFilterState>(EMPTY);
  const [records, setRecords] = useState<AuditRecord[]>([]);
  const [verification, setVerification] = useState<AuditVerification | null>(null);
  const [selected, setSelected] = useState<number | null>(null);

  useEffect(() => {
    const q = {
      limit: 300,
      ...(filter.client ? { client: filter.client } : {}),
      ...(filter.server ? { server: filter.server } : {}),
      ...(filter.environment ? { environment: filter.environment } : {}),
      ...(filter.kind ? { kinds: [filter.kind] } : {}),
      ...(filter.from ? { from: filter.from } : {}),
      ...(filter.to ? { to: filter.to } : {}),
      ...(filter.text ? { text: filter.text } : {}),
    };
    const load = () => {
      void api.call('audit.list', q).then(setRecords, () => undefined);
      void api.call('audit.verify', {}).then(setVerification, () => undefined);
    };
    load();
    // Actions from the CLI or another window land in the same log: keep the view current.
    const t = setInterval(load, 3000);
    return () => clearInterval(t);
  }, [version, filter]);

  const set = (k: keyof AuditFilterState) => (e: { target: { value: string } }) =>
    setFilter((f) => ({ ...f, [k]: e.target.value }));
  const environments = [...new Set(records.map((r) => r.environment).filter(Boolean))] as string[];
  const active = Object.values(filter).some(Boolean);

  return (
    <div className="audit-view">
      <div className="dock-head">
        {verification ? (
          <span
            className={`status status-${verification.ok ? 'ok' : 'bad'}`}
            data-testid="audit-chain"
            title={verification.message}
          >
            <span className="dot" aria-hidden="true" />
            {verification.ok
              ? `chain intact (${verification.records} records)`
              : (verification.problems?.[0]?.message ?? `chain broken at record ${verification.brokenAt}`)}
          </span>
        ) : null}
        <form className="audit-filters" aria-label="Filter the audit history" onSubmit={(e) => e.preventDefault()}>
          <select aria-label="Client" value={filter.client} onChange={set('client')}>
            <option value="">All clients</option>
            {inventory.clients.map((c) => (
              <option key={c.id} value={c.name}>
                {c.name}
              </option>
            ))}
          </select>
          <select aria-label="Server" value={filter.server} onChange={set('server')}>
            <option value="">All servers</option>
            {inventory.servers.map((s) => (
              <option key={s.id} value={s.name}>
                {s.name}
              </option>
            ))}
          </select>
          <select aria-label="Environment" value={filter.environment} onChange={set('environment')}>
            <option value="">All environments</option>
            {[...new Set([filter.environment, ...environments].filter(Boolean))].map((e) => (
              <option key={e} value={e}>
                {e}
              </option>
            ))}
          </select>
          <select aria-label="Kind" value={filter.kind} onChange={set('kind')}>
            <option value="">All kinds</option>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
          <label>
            From <input type="date" aria-label="From" value={filter.from} onChange={set('from')} />
          </label>
          <label>
            To <input type="date" aria-label="To" value={filter.to} onChange={set('to')} />
          </label>
          <input
            type="search"
            aria-label="Search commands and output"
            placeholder="Search commands and output"
            value={filter.text}
            onChange={set('text')}
          />
          {active ? (
            <button type="button" className="btn btn-small" onClick={() => setFilter(EMPTY)}>
              Clear
            </button>
          ) : null}
        </form>
      </div>
      <div className="audit-body">
        <table className="data compact" aria-label="Audit history">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Where</th>
              <th scope="col">Action</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {records.map((r) => (
              <tr key={r.seq} className={selected === r.seq ? 'row-selected' : ''} data-kind={actionKind(r.action)}>
                <td className="mono">{new Date(r.at).toLocaleString()}</td>
                <td>{r.actor}</td>
                <td>
                  {r.server ?? '—'}
                  {r.environment ? `/${r.environment}` : ''}
                </td>
                <td className="mono">
                  <button
                    type="button"
                    className="link"
                    onClick={() => setSelected(r.seq)}
                    aria-label={`Details of record ${r.seq}: ${r.action}`}
                  >
                    {r.action}
                  </button>
                  {r.argv ? ` ${r.argv.join(' ')}` : ''}
                  {deployIdOf(r) && r.action.endsWith('.result') ? (
                    <span className="muted"> · {deployIdOf(r)}</span>
                  ) : null}
                </td>
                <td>
                  {r.ok ? (
                    'ok'
                  ) : (
                    <span className="error-text">
                      failed{r.exitCode !== undefined && r.exitCode !== null ? ` (exit ${r.exitCode})` : ''}
                    </span>
                  )}
                </td>
              </tr>
            ))}
            {records.length === 0 ? (
              <tr>
                <td colSpan={5} className="muted">
                  {active
                    ? 'Nothing matches these filters.'
                    : 'Nothing recorded yet: every action Flipdeck takes will be listed here.'}
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
        {selected !== null ? <AuditDetail seq={selected} onClose={() => setSelected(null)} /> : null}
      </div>
    </div>
  );
}
