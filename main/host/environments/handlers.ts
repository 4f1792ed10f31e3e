// The contract's environment and deploy channels: the same Deployments the CLI uses, behind the
// same zod-validated dispatcher. Deploys run as streams (deploy-streams.ts).
import type { EnvironmentSummary } from '../../../shared/deploy';
import type { Environment } from '../../../shared/environment';
import type { EnvironmentStore } from '../../store/environments';
import type { Deployments } from '../deploys/deployments';
import type { DeployStreams } from '../deploys/deploy-streams';
import type { Handlers } from '../dispatch';
import type { InventoryStore } from '../../store/inventory';
import type { ServerSessions } from '../servers/server-sessions';
import { serverHealth } from '../fleet/fleet-health';
import { backups, restore } from '../deploys/restore';
import { environmentStatus } from './status';
import { poolResources, updateResources } from './resources';
import { fullPreflight } from '../preflight/preflight';

export type EnvironmentChannels =
  | 'fleet.health'
  | 'environments.list'
  | 'environments.status'
  | 'environments.backups'
  | 'environments.restore'
  | 'deploy.preflight'
  | 'deploy.start'
  | 'deploy.confirmFlip'
  | 'deploy.cancel'
  | 'resources.get'
  | 'resources.update';

export function summaryOf(e: Environment): EnvironmentSummary {
  return {
    server: e.server,
    name: e.name,
    strategy: e.strategy,
    replicas: e.replicas,
    publicBind: e.public_bind ?? null,
    domains: e.domains,
    source: e.source ?? null,
    image: e.image ?? null,
  };
}

export function createEnvironmentHandlers(d: {
  deployments: Deployments;
  environments: EnvironmentStore;
  streams: DeployStreams;
  sessions: ServerSessions;
  inventory: InventoryStore;
}): Pick<Handlers, EnvironmentChannels> {
  const ref = (r: { server: string; env: string }) => `${r.server}/${r.env}`;
  const reaping = new Set<string>();
  return {
    'fleet.health': async ({ server }) => serverHealth(d, server),
    'environments.list': async ({ server }) => {
      const all = await d.environments.list();
      const picked = all.filter((e) => server === undefined || e.server === server);
      return Promise.all(picked.map(async (e) => summaryOf(await d.environments.get(e.server, e.name))));
    },
    'environments.status': async (r) => {
      const status = await environmentStatus(await d.deployments.target(ref(r)), { history: true });
      if (status.reapDue && !reaping.has(ref(r))) {
        // While the app is open it ends expired keep windows itself, under the deploy lock, audited.
        reaping.add(ref(r));
        void d.deployments
          .gc(ref(r))
          .catch(() => undefined)
          .finally(() => reaping.delete(ref(r)));
      }
      return status;
    },
    'environments.backups': async (r) => backups(d.deployments, ref(r)),
    'environments.restore': async (r) => restore(d.deployments, ref(r), r.backup),
    'deploy.preflight': async (r) => fullPreflight(d.deployments, ref(r)),
    'deploy.start': async (r) =>
      d.streams.start({
        server: r.server,
        env: r.env,
        kind: r.kind,
        confirmFlip: r.confirmFlip,
        ...(r.ref ? { ref: r.ref } : {}),
        ...(r.updateMode ? { updateMode: r.updateMode } : {}),
      }),
    'deploy.confirmFlip': async ({ stream }) => d.streams.confirmFlip(stream),
    'deploy.cancel': async ({ stream }) => d.streams.cancel(stream),
    'resources.get': async (r) => poolResources(await d.deployments.target(ref(r)), r.pool),
    'resources.update': async (r) => {
      const changed = await updateResources(d.deployments, ref(r), {
        pool: r.pool,
        ...(r.memoryMiB !== undefined ? { memory: `${r.memoryMiB}m` } : {}),
        ...(r.memorySwapMiB !== undefined ? { memorySwap: `${r.memorySwapMiB}m` } : {}),
        ...(r.cpus !== undefined ? { cpus: r.cpus } : {}),
      });
      return changed.map((c) => ({ name: c.name, old: c.old, new: c.new }));
    },
  };
}
