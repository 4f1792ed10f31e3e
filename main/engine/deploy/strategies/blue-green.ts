// Blue-green: start a whole second pool beside the live one, flip the edge to it in one command, and
// keep the old pool running through the keep window so a rollback is one flip back. Also what every
// first deploy runs, whatever the environment's strategy: with nothing live there is nothing to roll
// over or stop.
import { deployPlan } from '../machine';
import type { DeployRun } from '../run';
import { preflightStep } from '../preflight-step';
import { beforeFlip, flipEdge, flipped, drainOld, reportCounters, handOverCron } from '../flip-drain';
import { waitReady } from '../pool-readiness';
import type { Strategy } from './strategy';

export function blueGreen(run: DeployRun): Strategy {
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
          await run.prepareTarget();
          return run.startPool(run.o.env.replicas);
        case 'green_ready':
          await waitReady(run, signal);
          return beforeFlip(run);
        case 'flipping': {
          const started = run.clock.now();
          await flipEdge(run);
          await flipped(run, started);
          return run.recordLive(true);
        }
        case 'draining':
          // The old pool is drained but stays: the reaper removes it when the keep window ends.
          await drainOld(run);
          await reportCounters(run);
          return handOverCron(run);
        case 'live':
          await run.reap('live');
          return run.logLive();
      }
    },

    // Before the flip the live pool was never touched: the machine's cleanup is all there is.
    cleanup: (effect, state) => run.cleanup(effect, state),
  };
}
