// An environment's status, read from the server every time (never from memory): the live pool as
// the edge says, each worker's readiness, the kept pool and its keep window, the lock, the history.
import type { EnvironmentStatus } from '../../../shared/deploy';
import { EdgeOps } from '../../engine/deploy/edge-ops';
import { PoolOps } from '../../engine/deploy/pool-ops';
import { DeployLock, lockVerdict, thisProcess } from '../../engine/state/lock';
import { StateStore } from '../../engine/state/state-store';
import { keptBackup } from '../../engine/state/server-state';
import type { Target } from '../deploys/deployments';

export type StatusJson = EnvironmentStatus;

export async function environmentStatus(t: Target, opts: { history?: boolean } = {}): Promise<StatusJson> {
  const name = t.environment.name;
  const pools = new PoolOps(t.link.docker, name, async () => undefined);
  const edge = new EdgeOps(t.link, name, t.environment.replicas, async () => undefined);
  const state = await new StateStore(t.link.docker, name).read();
  const edgeInfo = await edge.inspect();
  let live = state.live;
  let health: Record<string, string> = {};
  if (edgeInfo?.State.Running) {
    const stats = await edge.admin.stats().catch(() => null);
    if (stats) {
      live = (await edge.admin.livePool().catch(() => null)) ?? live;
      health = Object.fromEntries(stats.filter((s) => s.backend === 'odoo').map((s) => [s.server, s.status]));
    }
  }
  const workers = (await pools.workers()).map((w) => {
    const slot = `${w.pool}-${w.name.split('-').pop()}`;
    return { name: w.name, pool: w.pool, ready: w.running && /^(UP|DRAIN)/.test(health[slot] ?? ''), image: w.image };
  });
  const lock = await new DeployLock(t.link.docker, name, t.environment.edge_image).read();
  const backup = keptBackup(state);
  const kept =
    state.kept && Date.parse(state.kept.until) > Date.now()
      ? {
          pool: state.kept.pool,
          until: state.kept.until,
          ...(state.migratedSinceKept ? { migrated: true, ...(backup ? { backup } : {}) } : {}),
        }
      : null;
  const liveLock =
    lock && lockVerdict(lock, Date.now(), thisProcess()).live ? { holder: lock.holder, since: lock.since } : null;
  const base = { live, workers, kept, lock: liveLock };
  if (!opts.history) return base;
  const history = state.history.slice(0, 20).map((h) => ({
    deployId: h.deployId,
    kind: h.kind,
    by: h.by,
    at: h.at,
    image: h.image,
    outcome: h.outcome,
    ...(h.ref ? { ref: h.ref } : {}),
    ...(h.failedStep ? { failedStep: h.failedStep } : {}),
  }));
  // The keep window is over but the kept pool still runs: the app removes it (there is no agent).
  const reapDue = !!state.kept && Date.parse(state.kept.until) <= Date.now() && !liveLock;
  return { ...base, history, ...(reapDue ? { reapDue } : {}) };
}
