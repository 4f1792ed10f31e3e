// One environment: which pool is live, its workers, the kept pool and its countdown, the lock, and
// the two actions that matter: deploy, and (while a pool is kept) the emergency rollback.
import { useEffect, useState } from 'react';
import type { EnvironmentSummary } from '../../../../shared/deploy';
import { envKey, useEnvironments } from '../../stores/environments';
import { useDeploys } from '../../stores/deploys';
import { useDock } from '../../stores/dock';
import { useFleet } from '../../stores/fleet';
import { useUi } from '../../stores/ui';
import { useContainers } from '../../stores/containers';
import { formatMiB } from '../../ui/format';
import { DeployWizard } from '../deploy/DeployWizard';
import { phaseOf } from '../deploy/deploy-view';
import { RollbackDialog } from './RollbackDialog';
import { RestoreDialog } from './RestoreDialog';
import { ResourcesDialog } from './ResourcesDialog';
import { SecretsDialog } from '../secrets/SecretsDialog';

const REFRESH_MS = 5000;

function countdown(until: string, now: number): string {
  const s = Math.max(0, Math.round((Date.parse(until) - now) / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function EnvironmentCard({ env }: { env: EnvironmentSummary }) {
  const key = envKey(env.server, env.name);
  const status = useEnvironments((s) => s.status[key]);
  const error = useEnvironments((s) => s.errors[key]);
  const refresh = useEnvironments((s) => s.refreshStatus);
  const stream = useDeploys((s) => s.current[key]);
  const view = useDeploys((s) => (stream ? s.views[stream] : undefined));
  const dismiss = useDeploys((s) => s.dismiss);
  const serverId = useFleet((s) => s.inventory.servers.find((x) => x.name === env.server)?.id);
  const openTerminal = useDock((s) => s.openTerminal);
  // Uptime, memory and CPU of each worker: from the server's container list (refreshed by the server pane).
  const containers = useContainers((s) => (serverId ? s.byServer[serverId]?.list : undefined));
  const followLogs = useDock((s) => s.followLogs);
  const [dialog, setDialog] = useState<'deploy' | 'rollback' | 'resources' | 'restore' | 'secrets' | null>(null);
  const [now, setNow] = useState(Date.now());

  // The command palette asks for this card's deploy wizard or rollback confirm.
  const request = useUi((s) => s.request);
  const consumeRequest = useUi((s) => s.consumeRequest);
  useEffect(() => {
    if (!request || request.server !== env.server || request.env !== env.name) return;
    consumeRequest();
    setDialog(request.kind);
  }, [request, consumeRequest, env.server, env.name]);

  useEffect(() => {
    void refresh(env.server, env.name);
    const t = setInterval(() => {
      setNow(Date.now());
      void refresh(env.server, env.name);
    }, REFRESH_MS);
    return () => clearInterval(t);
  }, [env.server, env.name, refresh]);

  const close = () => {
    if (view && phaseOf(view) !== 'running' && phaseOf(view) !== 'awaiting_flip') dismiss(env.server, env.name);
    setDialog(null);
  };
  const running = view && (phaseOf(view) === 'running' || phaseOf(view) === 'awaiting_flip');
  const kept = status?.kept && Date.parse(status.kept.until) > now ? status.kept : null;

  return (
    <article className="env-card" aria-labelledby={`env-${env.name}`} data-testid={`env-${env.name}`}>
      <header className="env-head">
        <div>
          <h3 id={`env-${env.name}`}>{env.name}</h3>
          <p className="muted">
            {env.strategy} · {env.replicas} worker(s) per pool · {env.publicBind ?? env.domains.join(', ')}
          </p>
        </div>
        <div className="pane-actions">
          {status ? (
            <span className={`pool-chip pool-${status.live ?? 'none'}`} data-testid="live-pool">
              {status.live ? `${status.live} live` : 'not deployed'}
            </span>
          ) : null}
          {kept ? (
            <button
              type="button"
              className="btn btn-danger"
              onClick={() => setDialog('rollback')}
              data-testid="emergency-rollback"
            >
              Roll back to {kept.pool} ({countdown(kept.until, now)})
            </button>
          ) : null}
          {status?.live ? (
            <button
              type="button"
              className="btn"
              onClick={() => void followLogs(env.server, env.name, { pool: status.live! })}
            >
              Logs
            </button>
          ) : null}
          {status?.live ? (
            <button type="button" className="btn" onClick={() => setDialog('resources')}>
              Resources…
            </button>
          ) : null}
          {status?.live ? (
            <button type="button" className="btn" onClick={() => setDialog('restore')}>
              Backups…
            </button>
          ) : null}
          {/* Before the first deploy too: an environment that needs a secret cannot start without it. */}
          <button type="button" className="btn" onClick={() => setDialog('secrets')}>
            Secrets…
          </button>
          <button type="button" className="btn btn-primary" onClick={() => setDialog('deploy')}>
            {running ? 'Show deploy' : 'Deploy…'}
          </button>
        </div>
      </header>
      {error ? (
        <div className="callout callout-bad" role="alert">
          <strong>{error.message}</strong>
          {error.fix ? <p>{error.fix}</p> : null}
        </div>
      ) : null}
      {status?.lock ? (
        <p className="callout">
          Locked by {status.lock.holder} since {new Date(status.lock.since).toLocaleTimeString()}
        </p>
      ) : null}
      {status ? (
        <table className="data" aria-label={`Workers of ${env.name}`}>
          <thead>
            <tr>
              <th>Worker</th>
              <th>Pool</th>
              <th>State</th>
              <th>Up</th>
              <th className="num">Memory</th>
              <th className="num">CPU</th>
              <th>Image</th>
              <th>
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {status.workers.map((w) => {
              const c = containers?.find((x) => x.name === w.name);
              return (
                <tr key={w.name} className={w.pool === status.live ? 'row-live' : ''}>
                  <td>
                    <code>{w.name}</code>
                  </td>
                  <td>
                    <span className={`pool-chip pool-${w.pool}`}>
                      {w.pool}
                      {w.pool === status.live ? ' (live)' : kept?.pool === w.pool ? ' (kept)' : ''}
                    </span>
                  </td>
                  <td>{w.ready ? 'ready' : 'not ready'}</td>
                  <td className="muted">{c ? c.status.replace(/^Up /, '') : '—'}</td>
                  <td className="num">
                    {c?.stats
                      ? `${formatMiB(c.stats.memoryBytes)}${c.stats.memoryLimitBytes && c.stats.memoryLimitBytes < 2 ** 50 ? ` / ${formatMiB(c.stats.memoryLimitBytes)}` : ''}`
                      : '—'}
                  </td>
                  <td className="num">{c?.stats ? `${c.stats.cpuPercent.toFixed(1)} %` : '—'}</td>
                  <td className="muted">{w.image}</td>
                  <td className="row-actions">
                    <button
                      type="button"
                      className="btn btn-small"
                      aria-label={`Logs of ${w.name}`}
                      onClick={() => void followLogs(env.server, env.name, { worker: w.name })}
                    >
                      Logs
                    </button>
                    {serverId ? (
                      <button
                        type="button"
                        className="btn btn-small"
                        aria-label={`Shell in ${w.name}`}
                        onClick={() => void openTerminal(serverId, { kind: 'container', container: w.name })}
                      >
                        Shell
                      </button>
                    ) : null}
                  </td>
                </tr>
              );
            })}
            {status.workers.length === 0 ? (
              <tr>
                <td colSpan={8} className="muted">
                  No workers yet: the first deploy starts them.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      ) : (
        <p className="muted">Reading the environment from the server…</p>
      )}
      {status?.history && status.history.length > 0 ? (
        <details>
          <summary>Deploy history (kept on the server)</summary>
          <ul className="history">
            {status.history.slice(0, 10).map((h) => (
              <li key={h.deployId}>
                {new Date(h.at).toLocaleString()} — {h.kind} by {h.by}
                {h.ref ? ` (${h.ref})` : ''}: <strong>{h.outcome}</strong>
                {h.failedStep ? ` at ${h.failedStep}` : ''}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      {dialog === 'deploy' ? <DeployWizard server={env.server} env={env.name} onClose={close} /> : null}
      {dialog === 'resources' && status?.live ? (
        <ResourcesDialog server={env.server} env={env.name} pool={status.live} onClose={() => setDialog(null)} />
      ) : null}
      {dialog === 'rollback' && kept ? (
        <RollbackDialog
          server={env.server}
          env={env.name}
          keptPool={kept.pool}
          migrated={kept.migrated}
          backup={kept.backup}
          onClose={close}
          onRestore={() => {
            close();
            setDialog('restore');
          }}
        />
      ) : null}
      {dialog === 'secrets' ? (
        <SecretsDialog server={env.server} env={env.name} onClose={() => setDialog(null)} />
      ) : null}
      {dialog === 'restore' ? (
        <RestoreDialog server={env.server} env={env.name} onClose={() => setDialog(null)} />
      ) : null}
    </article>
  );
}
