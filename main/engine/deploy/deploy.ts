// One deploy or rollback of one environment on one server: reads the server's state, picks the
// strategy module (strategies/*.ts) and hands its steps to the driver. driver.ts and machine.ts decide
// what runs next and what a failure undoes; run.ts holds the steps the strategies share.
import type { Pool } from '../../../shared/deploy';
import { durationProblem, type Environment } from '../../../shared/environment';
import { FlipdeckError } from '../../../shared/errors';
import { drive, type DeployResult } from './driver';
import { markRunning } from '../state/lock';
import { DeployRun, type DeployOptions } from './run';
import { blueGreen } from './strategies/blue-green';
import { restart } from './strategies/restart';
import { rollback } from './strategies/rollback';
import { rolling } from './strategies/rolling';
import type { StrategyFor } from './strategies/strategy';

export type { DeployOptions, DeployTiming } from './run';

export type StrategyName = Environment['strategy'] | 'rollback';

const STRATEGIES: Record<StrategyName, StrategyFor> = { 'blue-green': blueGreen, rolling, restart, rollback };

/** Which strategy module runs: `live` is the pool serving now (null on a first deploy). */
export function strategyFor(
  kind: DeployOptions['kind'],
  strategy: Environment['strategy'],
  live: Pool | null,
): StrategyName {
  if (kind === 'rollback') return 'rollback';
  // Nothing live to roll over or stop: every strategy starts a whole pool and flips to it, as blue-green does.
  if (live === null) return 'blue-green';
  return strategy;
}

export class Deploy {
  private readonly current: DeployRun;

  constructor(private readonly o: DeployOptions) {
    // Before anything runs: a keep window or timeout out of range would throw (or fire at once) after the flip.
    const problem = durationProblem(o.env);
    if (problem)
      throw new FlipdeckError('bad_input', `environment ${o.env.name}: ${problem}`, {
        fix: 'correct it in the environment file and apply it again',
      });
    this.current = new DeployRun(o);
  }

  /** Runs the whole deploy or rollback. Never throws for a step failure: the result names it. */
  async run(signal?: AbortSignal): Promise<DeployResult> {
    const r = this.current;
    r.startedAt = new Date().toISOString();
    markRunning(this.o.deployId, true);
    try {
      await r.reconcile();
      const strategy = STRATEGIES[strategyFor(this.o.kind, this.o.env.strategy, r.state.live)](r);
      r.plan = await strategy.begin();
      return await drive(
        this.o.deployId,
        r.plan,
        {
          runStep: (step, s) => strategy.step(step, s),
          effect: (e, st) => strategy.cleanup(e, st),
          emit: this.o.emit,
          now: () => r.clock.now(),
        },
        signal,
      );
    } finally {
      // Even when the release was lost with the connection: our lock is stale from now on.
      markRunning(this.o.deployId, false);
    }
  }
}
