// Restart: take the live pool out of rotation and stop it, then start the new pool and flip. The
// environment is down from the stop until the flip (the edge answers 503 meanwhile): the outage is
// stated in preflight, measured here and reported. The stopped pool is removed after the drain, so
// nothing is kept for an instant rollback; a failure or cancel before the flip starts it again and
// puts it back in rotation.
import { deployPlan } from '../machine';
import type { DeployRun } from '../run';
import { preflightStep } from '../preflight-step';
import { beforeFlip, flipEdge, flipped, drainOld, reportCounters, removeOld, handOverCron } from '../flip-drain';
import { waitReady } from '../pool-readiness';
import type { Strategy } from './strategy';

export function restart(run: DeployRun): Strategy {
  /** When the old pool went out of rotation: the outage starts here. Null until then. */
  let downFrom: number | null = null;

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
        case 'green_starting': {
          await run.prepareTarget();
          const old = run.old;
          downFrom = run.clock.now();
          await run.edge.admin.setPool(old, 'maint');
          await run.pools.stopPool(old, run.o.timing.cronGraceSeconds);
          run.log('green_starting', `restart strategy: the ${old} pool is stopped (kept until the new pool is live)`);
          return run.startPool(run.o.env.replicas);
        }
        case 'green_ready':
          await waitReady(run, signal);
          return beforeFlip(run);
        case 'flipping': {
          const started = run.clock.now();
          await flipEdge(run);
          await flipped(run, started);
          if (downFrom !== null) {
            run.downtimeMs = run.clock.now() - downFrom;
            run.notice(`restart strategy: the environment was down for ${(run.downtimeMs / 1000).toFixed(1)} s`);
          }
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

    async cleanup(effect, state) {
      await run.cleanup(effect, state);
      // The new pool is gone (a failure or cancel before the flip); the old one was stopped, not removed: bring it back.
      if (effect.kind === 'remove_pool' && downFrom !== null) {
        await run.pools.restartStopped(run.old);
        await run.edge.admin.setPool(run.old, 'ready');
      }
    },
  };
}
