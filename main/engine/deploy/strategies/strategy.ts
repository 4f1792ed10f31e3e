// What a strategy is: how one deploy replaces the live pool, step by step, over the shared steps of
// run.ts. The pure machine (machine.ts) still decides the order and what a failure undoes; a strategy
// says what each step does for it, and what else a failure must undo.
import type { StepId } from '../../../../shared/deploy';
import type { DeployState, Plan } from '../machine';
import type { CleanupEffect, DeployRun } from '../run';

export interface Strategy {
  /** Once the server's state is known, before the first step: the plan (or a refusal). */
  begin(): Promise<Plan> | Plan;
  step(step: StepId, signal: AbortSignal): Promise<void>;
  cleanup(effect: CleanupEffect, state: DeployState): Promise<void>;
}

/** A strategy for one run; it may keep its own state between steps (restart: when the outage began). */
export type StrategyFor = (run: DeployRun) => Strategy;
