// Rollback within the keep window: flip back to the kept pool, which is still running. Nothing to
// build or start, so no preflight step either; the lock is taken before the first step instead.
// After the keep window a rollback is a deploy of the previous image (the host decides which).
import { FlipdeckError } from '../../../../shared/errors';
import { rollbackPlan } from '../machine';
import type { DeployRun } from '../run';
import { edgeSeesUp } from '../edge-readiness';
import { beforeFlip, flipEdge, flipped, drainOld, reportCounters, handOverCron } from '../flip-drain';
import { waitReady } from '../pool-readiness';
import type { Strategy } from './strategy';

export function rollback(run: DeployRun): Strategy {
  return {
    async begin() {
      const s = run.state;
      const env = run.o.env.name;
      if (!s.live || !s.kept || s.kept.pool === s.live)
        throw new FlipdeckError('refused', `${env} has no kept pool to roll back to`, {
          fix: 'after the keep window, roll back by deploying the previous image',
        });
      if (Date.parse(s.kept.until) <= run.clock.now())
        throw new FlipdeckError('refused', `the keep window of ${env} ended at ${s.kept.until}`, {
          fix: 'roll back by redeploying the previous image (flipdeck rollback does this for you)',
        });
      run.image = s.kept.image;
      const plan = rollbackPlan(s.live, s.kept.pool);
      // A rollback skips preflight, but must not race a deploy either: it takes the lock up front.
      await run.takeLock();
      return plan;
    },

    async step(step, signal) {
      switch (step) {
        case 'green_ready': {
          const pool = run.plan.target;
          await waitReady(run, signal, {
            alreadyUp: async (workers) => {
              run.pools.requireRunning(workers, pool);
              // The kept pool stayed health-checked (drain, not maint): when the edge sees every worker UP,
              // that is the check; probing each worker again would only delay an emergency rollback.
              if (!(await edgeSeesUp(run.edge.admin, pool, run.o.env.replicas))) return false;
              run.log('green_ready', `the edge sees every ${pool} worker UP`);
              return true;
            },
          });
          return beforeFlip(run);
        }
        case 'flipping': {
          const started = run.clock.now();
          await flipEdge(run);
          await flipped(run, started);
          // The pool rolled back from is kept in turn: rolling back the rollback is one flip too.
          return run.recordLive(true);
        }
        case 'draining':
          await drainOld(run);
          await reportCounters(run);
          return handOverCron(run);
        case 'live':
          // No reaping: a rollback built nothing to prune.
          return run.logLive();
        default:
          throw new Error(`a rollback has no ${step} step`);
      }
    },

    // The kept pool is never removed on failure (the plan says so); the machine's cleanup is all there is.
    cleanup: (effect, state) => run.cleanup(effect, state),
  };
}
