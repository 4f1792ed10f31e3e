// The edge is the truth about traffic. When the state saved on the server disagrees (a link lost
// between the flip and the state write), go by the edge, say so, and treat the other pool as kept
// if it still runs, so the next deploy never builds over the pool that serves.
import { otherPool } from '../../../shared/deploy';
import type { ServerState } from '../state/server-state';
import type { StateStore } from '../state/state-store';
import type { EdgeOps } from './edge-ops';
import type { PoolOps } from './pool-ops';

export async function reconcileWithEdge(
  s: ServerState,
  o: {
    edge: EdgeOps;
    pools: PoolOps;
    store: StateStore;
    keepWindowMs: number;
    now: number;
    notice(message: string): void;
  },
): Promise<ServerState> {
  const info = await o.edge.inspect();
  if (!info?.State.Running) return s;
  const live = await o.edge.admin.livePool().catch(() => undefined);
  if (!live || live === s.live) return s;
  const workers = await o.pools.workers();
  const liveImage = workers.find((w) => w.pool === live)?.image ?? s.liveImage;
  const other = otherPool(live);
  const keptImage = workers.find((w) => w.pool === other && w.running)?.image;
  o.notice(
    `the server's saved state says ${s.live ?? 'nothing'} is live but the edge serves ${live}: going by the edge`,
  );
  const fixed: ServerState = {
    ...s,
    live,
    ...(liveImage ? { liveImage } : {}),
    kept: keptImage
      ? { pool: other, image: keptImage, until: new Date(o.now + o.keepWindowMs).toISOString(), deployId: 'reconciled' }
      : null,
  };
  await o.store.update(() => fixed).catch(() => undefined);
  return fixed;
}
