import { useEffect } from 'react';
import type { Server } from '../../../../shared/model';
import { useContainers } from '../../stores/containers';
import { useFleet } from '../../stores/fleet';
import { useDock } from '../../stores/dock';
import { StatusBadge } from '../../ui/StatusBadge';
import { formatMiB } from '../../ui/format';
import { ContainersTable } from './ContainersTable';
import { EnvironmentsSection } from '../environments/EnvironmentsSection';

const REFRESH_MS = 5000;

export function ServerPane({ server, clientName }: { server: Server; clientName: string }) {
  const status = useFleet((s) => s.status[server.id]);
  const connect = useFleet((s) => s.connect);
  const entry = useContainers((s) => s.byServer[server.id]);
  const error = useContainers((s) => s.errors[server.id]);
  const refresh = useContainers((s) => s.refresh);
  const connected = status?.kind === 'connected';
  const openTerminal = useDock((s) => s.openTerminal);

  useEffect(() => {
    if (!connected) return;
    void refresh(server.id);
    const t = setInterval(() => void refresh(server.id), REFRESH_MS);
    return () => clearInterval(t);
  }, [connected, server.id, refresh]);

  const where =
    server.kind === 'local' ? `Docker socket ${server.dockerSocket}` : `${server.user}@${server.host}:${server.port}`;
  return (
    <section className="pane" aria-labelledby="server-title">
      <header className="pane-head">
        <div>
          <p className="crumbs">{clientName}</p>
          <h2 id="server-title">{server.name}</h2>
          <p className="muted">{where}</p>
        </div>
        <div className="pane-actions">
          <StatusBadge status={status} />
          {connected && server.kind !== 'local' ? (
            <button type="button" className="btn" onClick={() => void openTerminal(server.id, { kind: 'server' })}>
              Terminal
            </button>
          ) : null}
          <button type="button" className="btn" onClick={() => void connect(server.id)}>
            Reconnect
          </button>
        </div>
      </header>
      {status?.kind === 'error' ? (
        <div className="callout callout-bad" role="alert">
          <strong>{status.error.message}</strong>
          {status.error.fix ? <p>{status.error.fix}</p> : null}
        </div>
      ) : null}
      {error ? (
        <div className="callout callout-bad" role="alert">
          <strong>{error.message}</strong>
          {error.fix ? <p>{error.fix}</p> : null}
        </div>
      ) : null}
      {connected ? <EnvironmentsSection server={server.name} /> : null}
      {connected ? (
        <>
          <h3>
            Containers{' '}
            {entry ? (
              <span className="muted">
                ({entry.list.length}, total {formatMiB(entry.list.reduce((n, c) => n + (c.stats?.memoryBytes ?? 0), 0))}
                )
              </span>
            ) : null}
          </h3>
          {entry ? <ContainersTable containers={entry.list} /> : <p className="muted">Loading containers…</p>}
        </>
      ) : null}
    </section>
  );
}
