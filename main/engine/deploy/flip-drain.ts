// The flip and the drain, shared by the strategies: the confirm and the counters just before the
// flip, the one edge command that moves traffic, the drain of the old pool (cut at its timeout), the
// requests served meanwhile, and the cron handover. Rolling swaps slot by slot instead of flipEdge.
import { otherPool } from '../../../shared/deploy';
import { audited, retryTransient } from '../core/server-link';
import type { DeployRun } from './run';
import { handOverBetweenJobs } from './cron-handover';
import { firstPageAfterFlip, reportAssets } from './asset-report';

/** The end of green_ready, once the target answers: the operator's confirm, then the counters. */
export async function beforeFlip(run: DeployRun): Promise<void> {
  // The confirm belongs before the flip: a cancel here still removes green and leaves blue alone.
  if (run.o.confirmFlip) await run.o.confirmFlip();
  // Read here, not in the flip step, so nothing stands between the flip step and the edge command.
  run.countersAtFlip = await run.edge.admin.totals().catch(() => null);
}

/** One edge command: the whole target pool in, the live pool draining. */
export async function flipEdge(run: DeployRun): Promise<void> {
  const { target, live } = run.plan;
  await audited(run.o.audit, 'edge.flip', ['haproxy', 'set server', `${target}=ready`, `${live ?? 'none'}=drain`], () =>
    run.edge.admin.flip(target, live),
  );
}

/** Says the flip that began at `started` is done. */
export async function flipped(run: DeployRun, started: number): Promise<void> {
  const commandMs = run.clock.now() - started;
  run.o.emit({ kind: 'flipped', deploy: run.o.deployId, to: run.plan.target, commandMs });
  run.log('flipping', `traffic now goes to ${run.plan.target} (${commandMs} ms)`);
  // The first page (and its bundles) only now: before the flip it would delete the old pool's bundles.
  run.firstPage = await firstPageAfterFlip(run);
}

/** Waits for the old pool's sessions to end, cutting what is left at the drain timeout. */
export async function drainOld(run: DeployRun): Promise<void> {
  const old = run.plan.live;
  if (!old) return;
  const deadline = run.clock.now() + run.o.env.drain_timeout;
  for (;;) {
    const sessions = await retryTransient(() => run.edge.admin.sessions(old));
    run.o.emit({ kind: 'drain', deploy: run.o.deployId, sessions, deadline });
    if (Object.values(sessions).every((n) => n === 0)) break;
    if (run.clock.now() >= deadline) {
      await audited(run.o.audit, 'edge.cut', ['haproxy', 'shutdown sessions', old], () => run.edge.admin.cut(old));
      run.log('draining', `drain timeout: cut what was left on ${old} (websockets reconnect to ${run.plan.target})`);
      break;
    }
    await run.clock.sleep(run.o.timing.drainPollMs);
  }
}

/** The requests served and failed since the flip, by the edge's counters. */
export async function reportCounters(run: DeployRun): Promise<void> {
  const before = run.countersAtFlip;
  const after = before ? await run.edge.admin.totals().catch(() => null) : null;
  if (after && before) {
    run.o.emit({
      kind: 'counters',
      deploy: run.o.deployId,
      requests: after.requests - before.requests,
      failed: after.http5xx - before.http5xx,
    });
  }
}

/** Removes the drained old pool (rolling, restart); its cron runner stays until the handover. */
export async function removeOld(run: DeployRun): Promise<void> {
  await run.pools.removePool(run.old, { keepCron: true, graceSeconds: run.o.timing.cronGraceSeconds });
}

/** Cron handover: never two runners. Stop the old one (bounded wait for jobs), then start the new. */
export async function handOverCron(run: DeployRun): Promise<void> {
  const from = otherPool(run.plan.target);
  const old = await run.pools.cronRunning(from);
  const handover = await handOverBetweenJobs(
    {
      pools: run.pools,
      clock: run.clock,
      log: (l) => run.log('draining', l),
      oldRunning: old,
      attachmentMark: run.attachmentMark,
    },
    await run.context(),
    from,
    run.plan.target,
    run.o.timing.cronGraceSeconds,
  );
  reportAssets(run, run.firstPage, handover.bundles);
}
