// The fleet at a glance: every client's servers with reachability, Docker, host load and memory,
// each environment's live pool and last deploy. Rows fill in as servers answer; tags filter.
import { useEffect, useMemo, useState } from 'react';
import type { ServerHealth } from '../../../../shared/model';
import { useFleet } from '../../stores/fleet';
import { useFleetHealth } from '../../stores/fleet-health';
import { formatMiB } from '../../ui/format';

const REFRESH_MS = 60_000;

function Health({ h, loading }: { h: ServerHealth | undefined; loading: boolean }) {
  if (!h)
    return (
      <span className="status status-busy">
        <span className="dot" aria-hidden="true" />
        {loading ? 'checking…' : 'not checked'}
      </span>
    );
  if (h.needsTrust)
    return (
      <span className="status status-warn">
        <span className="dot" aria-hidden="true" />
        confirm host key
      </span>
    );
  if (!h.reachable)
    return (
      <span className="status status-bad" title={h.error?.fix}>
        <span className="dot" aria-hidden="true" />
        unreachable: {h.error?.message}
      </span>
    );
  return (
    <span className={`status status-${h.docker?.supported === false ? 'warn' : 'ok'}`}>
      <span className="dot" aria-hidden="true" />
      Docker {h.docker?.version}
    </span>
  );
}

export function FleetOverview() {
  const inventory = useFleet((s) => s.inventory);
  const select = useFleet((s) => s.select);
  const health = useFleetHealth((s) => s.health);
  const loading = useFleetHealth((s) => s.loading);
  const pass = useFleetHealth((s) => s.pass);
  const refresh = useFleetHealth((s) => s.refresh);
  const [tag, setTag] = useState<string | null>(null);
  const ids = inventory.servers.map((s) => s.id).join(',');

  useEffect(() => {
    if (!ids) return;
    void refresh(ids.split(','));
    const t = setInterval(() => void refresh(ids.split(',')), REFRESH_MS);
    return () => clearInterval(t);
  }, [ids, refresh]);

  const tags = useMemo(
    () =>
      [...new Set([...inventory.servers.flatMap((s) => s.tags), ...inventory.clients.flatMap((c) => c.tags)])].sort(),
    [inventory],
  );
  const clientOf = (id: string) => inventory.clients.find((c) => c.id === id);
  const servers = inventory.servers.filter(
    (s) => !tag || s.tags.includes(tag) || clientOf(s.clientId)?.tags.includes(tag),
  );
  const done = servers.filter((s) => health[s.id]).length;

  return (
    <section className="pane" aria-labelledby="fleet-title">
      <header className="pane-head">
        <div>
          <h2 id="fleet-title">Fleet</h2>
          <p className="muted" data-testid="fleet-progress">
            {done} of {servers.length} servers checked
            {pass?.endedAt ? ` in ${((pass.endedAt - pass.startedAt) / 1000).toFixed(1)} s` : ''}
          </p>
        </div>
        <div className="pane-actions">
          <button
            type="button"
            className="btn"
            onClick={() => void refresh(inventory.servers.map((s) => s.id))}
            disabled={pass?.endedAt === null}
          >
            Check again
          </button>
        </div>
      </header>
      {tags.length > 0 ? (
        <div className="tag-filter" role="group" aria-label="Filter by tag">
          {tags.map((t) => (
            <button
              key={t}
              type="button"
              className={`tag${tag === t ? ' tag-on' : ''}`}
              aria-pressed={tag === t}
              onClick={() => setTag(tag === t ? null : t)}
            >
              {t}
            </button>
          ))}
        </div>
      ) : null}
      <table className="data" aria-label="Fleet health">
        <thead>
          <tr>
            <th scope="col">Server</th>
            <th scope="col">Client</th>
            <th scope="col">Health</th>
            <th scope="col">Load</th>
            <th scope="col">Memory</th>
            <th scope="col">Environments</th>
            <th scope="col">Last deploy</th>
          </tr>
        </thead>
        <tbody>
          {servers.map((s) => {
            const h = health[s.id];
            const last = h?.environments
              .map((e) => e.lastDeploy)
              .filter((d) => d !== null)
              .sort((a, b) => b!.at.localeCompare(a!.at))[0];
            return (
              <tr
                key={s.id}
                data-testid={`fleet-row-${s.name}`}
                data-state={h ? (h.reachable ? (h.needsTrust ? 'trust' : 'ok') : 'down') : 'loading'}
              >
                <th scope="row">
                  <button type="button" className="link" onClick={() => select(s.id)}>
                    {s.name}
                  </button>
                </th>
                <td>{clientOf(s.clientId)?.name}</td>
                <td>
                  <Health h={h} loading={!!loading[s.id]} />
                </td>
                <td className="num">{h?.host ? `${h.host.load1.toFixed(2)} / ${h.host.cpus} CPU` : '—'}</td>
                <td className="num">
                  {h?.host ? `${formatMiB(h.host.memoryUsed)} of ${formatMiB(h.host.memoryTotal)}` : '—'}
                </td>
                <td>
                  {h?.environments.length ? (
                    h.environments.map((e) => (
                      <span key={e.name} className={`pool-chip pool-${e.live ?? 'none'}`}>
                        {e.name}: {e.live ?? 'not deployed'}
                        {e.kept ? ' ↺' : ''}
                      </span>
                    ))
                  ) : h?.reachable ? (
                    <span className="muted">none</span>
                  ) : (
                    '—'
                  )}
                </td>
                <td>
                  {last ? `${new Date(last.at).toLocaleString()} · ${last.kind} ${last.outcome} · ${last.by}` : '—'}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
