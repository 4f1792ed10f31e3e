// The deploy as a pure state machine: (state, event) → (next state, effects to carry out).
// It never performs I/O, so every path — including each failure and cancel — is tested in
// milliseconds with plain objects. Adapters (Docker, edge, SSH) carry the effects out.
import type { FailureReason, Pool, StepId, StepRecord } from '../../../shared/deploy';

export interface Plan {
  /** The steps to run in order; a rollback within the keep window skips preflight and build. */
  steps: StepId[];
  /** The pool being brought up (green for a deploy, the kept pool for a rollback). */
  target: Pool;
  /** The pool serving when we started, or null on a first deploy. */
  live: Pool | null;
  /** Remove the target pool when a step before the flip fails. Never for a rollback's kept pool. */
  removeTargetOnFailure: boolean;
}

export type Phase =
  | { kind: 'running'; step: StepId }
  | { kind: 'live' }
  | { kind: 'failed'; step: StepId; reason: FailureReason }
  | { kind: 'cancelled'; step: StepId };

export interface DeployState {
  deployId: string;
  plan: Plan;
  phase: Phase;
  steps: StepRecord[];
}

export type DeployEvent =
  | { kind: 'step_succeeded'; step: StepId; at: number }
  | { kind: 'step_failed'; step: StepId; reason: FailureReason; at: number }
  | { kind: 'cancel'; at: number };

export type Effect =
  | { kind: 'run_step'; step: StepId }
  | { kind: 'remove_pool'; pool: Pool }
  /** A flip that failed half-way: put every server of the old live pool back in rotation. */
  | { kind: 'restore_edge'; live: Pool }
  | { kind: 'release_lock' }
  | { kind: 'record_outcome'; outcome: 'live' | 'failed' | 'cancelled' }
  | { kind: 'notice'; message: string };

export interface Transition {
  state: DeployState;
  effects: Effect[];
}

/** Steps after which the new pool is serving: past this point a failure is not "before the flip". */
const FLIP: StepId = 'flipping';

export function isBeforeFlip(plan: Plan, step: StepId): boolean {
  return plan.steps.indexOf(step) < plan.steps.indexOf(FLIP) || !plan.steps.includes(FLIP);
}

export function start(deployId: string, plan: Plan, at: number): Transition {
  const first = plan.steps[0];
  if (!first) throw new Error('a plan needs at least one step');
  return {
    state: { deployId, plan, phase: { kind: 'running', step: first }, steps: [{ id: first, startedAt: at }] },
    effects: [{ kind: 'run_step', step: first }],
  };
}

export function advance(state: DeployState, event: DeployEvent): Transition {
  const { phase, plan } = state;
  if (phase.kind !== 'running') {
    return {
      state,
      effects: [{ kind: 'notice', message: `the deploy is already ${phase.kind}; ${event.kind} ignored` }],
    };
  }
  if (event.kind !== 'cancel' && event.step !== phase.step) {
    return {
      state,
      effects: [{ kind: 'notice', message: `event for ${event.step} while ${phase.step} runs: ignored` }],
    };
  }
  const current = phase.step;
  const steps = closeStep(state.steps, current, event.at, event.kind === 'step_succeeded');

  switch (event.kind) {
    case 'step_succeeded': {
      const next = plan.steps[plan.steps.indexOf(current) + 1];
      if (!next) {
        return {
          state: { ...state, steps, phase: { kind: 'live' } },
          effects: [{ kind: 'release_lock' }, { kind: 'record_outcome', outcome: 'live' }],
        };
      }
      return {
        state: {
          ...state,
          steps: [...steps, { id: next, startedAt: event.at }],
          phase: { kind: 'running', step: next },
        },
        effects: [{ kind: 'run_step', step: next }],
      };
    }
    case 'step_failed':
      return {
        state: { ...state, steps, phase: { kind: 'failed', step: current, reason: event.reason } },
        effects: [
          ...cleanupAfterFailure(plan, current),
          { kind: 'release_lock' },
          { kind: 'record_outcome', outcome: 'failed' },
        ],
      };
    case 'cancel':
      if (!isBeforeFlip(plan, current)) {
        return {
          state,
          effects: [
            {
              kind: 'notice',
              message: 'the flip has started: cancel is no longer possible; roll back instead once it is live',
            },
          ],
        };
      }
      return {
        state: { ...state, steps, phase: { kind: 'cancelled', step: current } },
        effects: [
          ...(plan.removeTargetOnFailure ? [{ kind: 'remove_pool', pool: plan.target } as const] : []),
          { kind: 'release_lock' },
          { kind: 'record_outcome', outcome: 'cancelled' },
        ],
      };
  }
}

function cleanupAfterFailure(plan: Plan, step: StepId): Effect[] {
  if (isBeforeFlip(plan, step)) {
    // The live pool was never touched: only the half-built target goes.
    return plan.removeTargetOnFailure ? [{ kind: 'remove_pool', pool: plan.target }] : [];
  }
  if (step === FLIP && plan.live) {
    // The edge may hold a mix of old and new servers: put the old live pool back, keep the target for inspection.
    return [{ kind: 'restore_edge', live: plan.live }];
  }
  // Draining failed after the flip: the new pool serves; leave both pools as they are for the operator.
  return [{ kind: 'notice', message: `the new pool is live; ${step} did not finish cleanly` }];
}

function closeStep(steps: StepRecord[], id: StepId, at: number, ok: boolean): StepRecord[] {
  return steps.map((s) => (s.id === id && s.ms === undefined ? { ...s, ms: at - s.startedAt, ok } : s));
}

/** The plans Flipdeck runs. */
export function deployPlan(live: Pool | null): Plan {
  const target: Pool = live === 'blue' ? 'green' : 'blue';
  // Over a live pool the database may need its modules updated (backup, rehearsal, update) before green starts.
  const steps: StepId[] = live
    ? ['preflight', 'build', 'migrating', 'green_starting', 'green_ready', 'flipping', 'draining', 'live']
    : ['preflight', 'build', 'green_starting', 'green_ready', 'flipping', 'draining', 'live'];
  return { steps, target, live, removeTargetOnFailure: true };
}

export function rollbackPlan(live: Pool, kept: Pool): Plan {
  return { steps: ['green_ready', 'flipping', 'draining', 'live'], target: kept, live, removeTargetOnFailure: false };
}
