import type { ContainerSummary } from '../../../../shared/model';
import { formatMiB } from '../../ui/format';

export function ContainersTable({ containers }: { containers: ContainerSummary[] }) {
  if (containers.length === 0) return <p className="empty">No containers on this server yet.</p>;
  return (
    <table className="data" aria-label="Containers">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Image</th>
          <th scope="col">State</th>
          <th scope="col" className="num">
            CPU
          </th>
          <th scope="col" className="num">
            Memory
          </th>
        </tr>
      </thead>
      <tbody>
        {containers.map((c) => {
          const pool = c.labels['io.flipdeck.pool'];
          return (
            <tr key={c.id}>
              <th scope="row">
                {pool ? <span className={`pool-chip pool-${pool}`}>{pool}</span> : null}
                {c.name}
              </th>
              <td className="mono">{c.image}</td>
              <td>
                <span className={`state state-${c.state}`}>{c.state}</span> <span className="muted">{c.status}</span>
              </td>
              <td className="num">{c.stats ? `${c.stats.cpuPercent.toFixed(1)} %` : '—'}</td>
              <td className="num">{c.stats ? formatMiB(c.stats.memoryBytes) : '—'}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
