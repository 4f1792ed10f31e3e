// Drives the pure state machine: runs each step the machine asks for, feeds the outcome back, and
// carries out the cleanup effects. All decisions stay in machine.ts; all I/O in the step functions.
import type { DeployProgress, DeploySummaryResult, FailureReason, StepId, StepRecord } from '../../../shared/deploy';
import { advance, start, type DeployState, type Effect, type Plan } from './machine';
import { reasonOf } from './step-failure';

export interface DriverHooks {
  runStep(step: StepId, signal: AbortSignal): Promise<void>;
  effect(effect: Exclude<Effect, { kind: 'run_step' }>, state: DeployState): Promise<void>;
  emit(p: DeployProgress): void;
  now(): number;
}

/** The contract's result type: what the CLI prints as JSON and the wizard shows. */
export type DeployResult = DeploySummaryResult;

export async function drive(
  deployId: string,
  plan: Plan,
  hooks: DriverHooks,
  signal?: AbortSignal,
): Promise<DeployResult> {
  let t = start(deployId, plan, hooks.now());
  hooks.emit({ kind: 'plan', deploy: deployId, steps: plan.steps });
  const inner = new AbortController();
  let cancelRequested = false;
  signal?.addEventListener(
    'abort',
    () => {
      cancelRequested = true;
    },
    { once: true },
  );

  for (let guard = 0; guard < 100; guard++) {
    const pending = t.effects;
    let nextStep: StepId | null = null;
    for (const e of pending) {
      if (e.kind === 'run_step') nextStep = e.step;
      else {
        try {
          await hooks.effect(e, t.state);
        } catch (err) {
          hooks.emit({
            kind: 'notice',
            deploy: deployId,
            message: `cleanup "${e.kind}" failed: ${(err as Error).message}`,
          });
        }
      }
    }
    if (!nextStep) break;
    hooks.emit({ kind: 'step', deploy: deployId, step: nextStep, state: 'running' });
    let failure: FailureReason | null = null;
    try {
      if (cancelRequested) throw new Error('cancelled');
      await hooks.runStep(nextStep, inner.signal);
    } catch (err) {
      failure = reasonOf(err);
    }
    if (cancelRequested) {
      const c = advance(t.state, { kind: 'cancel', at: hooks.now() });
      if (c.state.phase.kind === 'cancelled') {
        t = c;
        continue;
      }
      // Past the flip: the cancel is refused and the deploy carries on.
      for (const e of c.effects)
        if (e.kind === 'notice') hooks.emit({ kind: 'notice', deploy: deployId, message: e.message });
      cancelRequested = false;
    }
    const at = hooks.now();
    t = failure
      ? advance(t.state, { kind: 'step_failed', step: nextStep, reason: failure, at })
      : advance(t.state, { kind: 'step_succeeded', step: nextStep, at });
    const rec = t.state.steps.find((s) => s.id === nextStep);
    hooks.emit({
      kind: 'step',
      deploy: deployId,
      step: nextStep,
      state: failure ? 'failed' : 'done',
      ...(rec?.ms !== undefined ? { ms: rec.ms } : {}),
    });
    if (failure) hooks.emit({ kind: 'failure', deploy: deployId, step: nextStep, reason: failure });
  }
  return resultOf(t.state);
}

function resultOf(state: DeployState): DeployResult {
  const steps = state.steps
    .filter((s): s is StepRecord & { ms: number; ok: boolean } => s.ms !== undefined && s.ok !== undefined)
    .map((s) => ({ id: s.id, ms: s.ms, ok: s.ok }));
  const p = state.phase;
  if (p.kind === 'live') return { ok: true, deployId: state.deployId, steps };
  if (p.kind === 'failed') return { ok: false, deployId: state.deployId, steps, failedStep: p.step, reason: p.reason };
  if (p.kind === 'cancelled')
    return { ok: false, deployId: state.deployId, steps, failedStep: p.step, cancelled: true };
  return { ok: false, deployId: state.deployId, steps };
}
