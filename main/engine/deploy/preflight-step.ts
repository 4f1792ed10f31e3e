// The deploy's own preflight step, the same for every strategy (a rollback skips it): what the deploy
// cannot start without, judged by the same rule as the full pre-flight (checks/basics.ts), so the two
// never disagree. Then the deploy lock, and the restart strategy's outage stated before anything stops.
import { dockerVersionCheck } from '../preflight/checks/basics';
import type { DeployRun } from './run';
import { StepFailure } from './step-failure';

export async function preflightStep(run: DeployRun): Promise<void> {
  const [v, edgeImage] = await Promise.all([run.o.link.docker.version(), run.pools.imageExists(run.o.images.edge)]);
  const docker = dockerVersionCheck(v);
  if (docker.status === 'fail') throw new StepFailure({ kind: 'refused', why: docker.message });
  run.log('preflight', docker.message);
  if (!edgeImage)
    throw new StepFailure({ kind: 'refused', why: `the edge image ${run.o.images.edge} is not on the server` });
  await run.takeLock();
  if (run.o.env.strategy === 'restart' && run.plan.live) {
    run.o.emit({
      kind: 'notice',
      deploy: run.o.deployId,
      message:
        'strategy restart: the environment is down from stopping the old workers until the new ones answer (the outage is measured and reported)',
    });
  }
  run.log('preflight', `lock taken by ${run.o.actor.holder}`);
}
