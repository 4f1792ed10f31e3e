// Rolling: replace the workers one at a time. Start one new worker; at the flip, slot by slot, the
// next new worker starts and answers before the edge swaps that slot (new in, old draining). The old
// pool is removed after the drain: nothing is kept for an instant rollback (a rollback then redeploys
// the previous image).
import { deployPlan } from '../machine';
import type { DeployRun } from '../run';
import { preflightStep } from '../preflight-step';
import { beforeFlip, flipped, drainOld, reportCounters, removeOld, handOverCron } from '../flip-drain';
import { waitReady } from '../pool-readiness';
import { audited } from '../../core/server-link';
import type { Strategy } from './strategy';
import { assetFingerprint, ROLLING_MIXES_BUNDLES } from '../../odoo/asset-bundles';
import { StepFailure } from '../step-failure';

export function rolling(run: DeployRun): Strategy {
  return {
    begin: () => deployPlan(run.state.live),

    async step(step, signal) {
      switch (step) {
        case 'preflight':
          return preflightStep(run);
        case 'build':
          return run.build(signal);
        case 'migrating':
          return run.migrate();
        case 'green_starting':
          await refuseMixedBundles(run);
          await run.prepareTarget();
          // One new worker first; the others come up one at a time during the flip.
          return run.startPool(1);
        case 'green_ready':
          await waitReady(run, signal, { slot: 1 });
          return beforeFlip(run);
        case 'flipping': {
          const started = run.clock.now();
          await flipSlotBySlot(run);
          await flipped(run, started);
          return run.recordLive(false);
        }
        case 'draining':
          await drainOld(run);
          await reportCounters(run);
          await removeOld(run);
          return handOverCron(run);
        case 'live':
          await run.reap('live');
          return run.logLive();
      }
    },

    cleanup: (effect, state) => run.cleanup(effect, state),
  };
}

/** One slot at a time: start the new worker (slot 1 already runs), wait until it answers, swap the slot. */
async function flipSlotBySlot(run: DeployRun): Promise<void> {
  const target = run.plan.target;
  const live = run.old;
  const replicas = run.o.env.replicas;
  for (let i = 1; i <= replicas; i++) {
    if (i > 1) {
      await run.pools.startWorker(run.ctx, target, i);
      await run.edge.admin.setSlot(target, i, 'drain');
      // A cancel is refused once the flip has started (machine.ts): this wait is never cancelled.
      await waitReady(run, new AbortController().signal, { slot: i });
    }
    await audited(
      run.o.audit,
      'edge.flip',
      ['haproxy', 'set server', `${target}-${i}=ready`, `${live}-${i}=drain`],
      () => run.edge.admin.flipSlot(target, live, i),
    );
    run.log('flipping', `slot ${i}/${replicas}: ${target}-${i} in, ${live}-${i} draining`);
  }
}

/**
 * The mixed window serves old and new code at once on one database: refused when their asset
 * bundles differ (odoo/asset-bundles.ts), before anything starts. Same image, or the same static
 * files with the same times: allowed.
 */
async function refuseMixedBundles(run: DeployRun): Promise<void> {
  const live = run.state.liveImage;
  if (!run.state.live || !live || live === run.image) return;
  const [old, next] = await Promise.all([
    assetFingerprint(run.o.link.docker, run.o.audit, live),
    assetFingerprint(run.o.link.docker, run.o.audit, run.image),
  ]);
  if (old && next && old === next) {
    run.log('green_starting', 'asset bundles unchanged: the mixed window serves one version of each');
    return;
  }
  throw new StepFailure({
    kind: 'refused',
    why:
      old && next
        ? ROLLING_MIXES_BUNDLES
        : `could not compare the asset bundles of ${live} and ${run.image}: ${ROLLING_MIXES_BUNDLES}`,
  });
}
