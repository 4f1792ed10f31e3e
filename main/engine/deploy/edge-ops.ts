// The edge of one environment: created once, adopted afterwards (never replaced while it serves),
// reconfigured with a hitless reload only when its generated config changes, and its runtime state
// saved to its volume after every flip so a restarted edge comes back with the same live pool.
import type Docker from 'dockerode';
import { edgeAdminFor, type EdgeAdmin } from '../proxy/edge-admin';
import { BACKENDS, EDGE_STATE_DIR, POOLS, renderEdgeConfig, type EdgeSpec } from '../proxy/haproxy-config';
import { withServerPorts } from '../proxy/runtime-api';
import { EDGE_CONFIG_DIR, edgeSpec } from '../odoo/container-specs';
import { isDockerStatus, readContainerFile, writeContainerFile } from '../docker/archive';
import { envNames } from '../core/names';
import { audited, retryTransient, type AuditSink, type ServerLink } from '../core/server-link';
import { forceRemove, startIfStopped } from '../docker/containers';
import { sleep } from '../../../shared/retry';

export interface EdgeSetup {
  spec: EdgeSpec;
  image: string;
  publicBind?: string;
}

export class EdgeOps {
  readonly admin: EdgeAdmin;
  private readonly names;

  constructor(
    private readonly link: ServerLink,
    private readonly env: string,
    replicas: number,
    private readonly audit: AuditSink,
  ) {
    this.names = envNames(env);
    this.admin = edgeAdminFor(link, env, replicas);
  }

  private get docker(): Docker {
    return this.link.docker;
  }

  async inspect(): Promise<Docker.ContainerInspectInfo | null> {
    try {
      return await retryTransient(() => this.docker.getContainer(this.names.edge).inspect());
    } catch (err) {
      if (isDockerStatus(err, 404)) return null;
      throw err;
    }
  }

  /** Creates the edge, or adopts the existing one; reloads it (hitless) when the config changed. */
  async ensure(setup: EdgeSetup): Promise<'created' | 'adopted' | 'reloaded' | 'started'> {
    const config = renderEdgeConfig(setup.spec);
    const existing = await this.inspect();
    if (!existing) {
      const spec = edgeSpec({
        envName: this.env,
        image: setup.image,
        ...(setup.publicBind ? { publicBind: setup.publicBind } : {}),
      });
      await audited(
        this.audit,
        'edge.create',
        ['docker', 'create', '--name', spec.name, setup.image],
        async (attempt) => {
          if (attempt > 1) await forceRemove(this.docker, spec.name);
          const c = await this.docker.createContainer(spec);
          await writeContainerFile(this.docker, c.id, EDGE_CONFIG_DIR, 'haproxy.cfg', config);
          await c.start();
        },
      );
      await this.waitForAdmin();
      return 'created';
    }
    const current = await readContainerFile(this.docker, existing.Id, `${EDGE_CONFIG_DIR}/haproxy.cfg`);
    if (!existing.State.Running) {
      if (current !== config)
        await writeContainerFile(this.docker, existing.Id, EDGE_CONFIG_DIR, 'haproxy.cfg', config);
      await audited(this.audit, 'edge.start', ['docker', 'start', this.names.edge], () =>
        startIfStopped(this.docker, existing.Id),
      );
      await this.waitForAdmin();
      return 'started';
    }
    if (current === config) return 'adopted';
    // The new process reads each server's port from the saved state, not the config: save the ports
    // the new config gives the bus servers (a pool whose server mode changed moves its bus port).
    const busPorts = setup.spec.busPorts;
    await this.saveState((backend, server) => {
      const pool = POOLS.find((p) => server.startsWith(`${p}-`));
      return backend === BACKENDS.websocket && pool ? busPorts[pool] : undefined;
    });
    await audited(this.audit, 'edge.reload', ['docker', 'kill', '--signal', 'USR2', this.names.edge], async () => {
      await writeContainerFile(this.docker, existing.Id, EDGE_CONFIG_DIR, 'haproxy.cfg', config);
      await this.docker.getContainer(existing.Id).kill({ signal: 'SIGUSR2' });
    });
    await this.waitForAdmin();
    return 'reloaded';
  }

  /** Persists `show servers state` where `load-server-state-from-file` reads it at start-up. */
  async saveState(portFor?: (backend: string, server: string) => number | undefined): Promise<void> {
    const live = await retryTransient(() => this.admin.serversState());
    const state = portFor ? withServerPorts(live, portFor) : live;
    await retryTransient(() => writeContainerFile(this.docker, this.names.edge, EDGE_STATE_DIR, 'server-state', state));
  }

  async waitForAdmin(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      try {
        await this.admin.run(['show info']);
        return;
      } catch (err) {
        last = err;
        await sleep(100);
      }
    }
    throw last instanceof Error ? last : new Error(`the edge's admin socket did not come up within ${timeoutMs} ms`);
  }
}
