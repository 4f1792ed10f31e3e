// The edge's own view of a pool: every worker's health check passing, in or out of rotation.
import type { Pool } from '../../../shared/deploy';
import { envNames } from '../core/names';
import type { EdgeAdmin } from '../proxy/edge-admin';
import type { Clock } from '../core/clock';
import { StepFailure } from './step-failure';

/** The edge's status of a server whose health check passes, in or out of rotation ("DRAIN"). */
export const checkPassing = (status: string) => /^(UP|DRAIN)/.test(status) && !/DOWN|MAINT/.test(status);

/** One admin command: does the edge see every worker of the pool passing its check? */
export async function edgeSeesUp(admin: EdgeAdmin, pool: Pool, replicas: number): Promise<boolean> {
  const health = await admin.poolHealth(pool).catch(() => ({}));
  const states = Object.values(health);
  return states.length === replicas && states.every(checkPassing);
}

/** Waits until the edge sees the pool (or one slot of it) UP; fails naming each worker's status. */
export async function waitEdgeUp(
  admin: EdgeAdmin,
  clock: Clock,
  o: { env: string; pool: Pool; checkIntervalMs: number; slot?: number },
): Promise<void> {
  const only = o.slot === undefined ? null : envNames(o.env).edgeServer(o.pool, o.slot);
  const deadline = clock.now() + Math.max(5000, o.checkIntervalMs * 10);
  let last: Record<string, string> = {};
  while (clock.now() < deadline) {
    last = Object.fromEntries(
      Object.entries(await admin.poolHealth(o.pool)).filter(([k]) => only === null || k === only),
    );
    if (Object.keys(last).length > 0 && Object.values(last).every(checkPassing)) return;
    // The edge re-checks a DOWN server every 250 ms (downinter): poll often, it is one admin command.
    await clock.sleep(Math.min(100, o.checkIntervalMs));
  }
  throw new StepFailure({
    kind: 'error',
    message: `the edge does not see the ${o.pool} pool as UP: ${Object.entries(last)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  });
}
