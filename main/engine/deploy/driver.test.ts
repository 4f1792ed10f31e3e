import { describe, expect, it } from 'vitest';
import type { DeployProgress, StepId } from '../../../shared/deploy';
import { drive, type DriverHooks } from './driver';
import { deployPlan } from './machine';
import { StepFailure } from './step-failure';

function hooks(fail?: StepId, onStep?: (s: StepId) => void) {
  const ran: string[] = [];
  const effects: string[] = [];
  const events: DeployProgress[] = [];
  let clock = 0;
  const h: DriverHooks = {
    async runStep(step) {
      ran.push(step);
      clock += 10;
      onStep?.(step);
      if (step === fail)
        throw new StepFailure({ kind: 'command', argv: ['docker', 'build', '.'], exitCode: 1, stderr: 'boom' });
    },
    async effect(e) {
      effects.push(
        e.kind === 'remove_pool'
          ? `remove_pool:${e.pool}`
          : e.kind === 'record_outcome'
            ? `record:${e.outcome}`
            : e.kind,
      );
    },
    emit: (p) => events.push(p),
    now: () => clock,
  };
  return { h, ran, effects, events };
}

describe('deploy driver', () => {
  it('runs every step in order and reports their durations', async () => {
    const { h, ran, effects } = hooks();
    const r = await drive('d1', deployPlan('blue'), h);
    expect(r.ok).toBe(true);
    expect(ran).toEqual([
      'preflight',
      'build',
      'migrating',
      'green_starting',
      'green_ready',
      'flipping',
      'draining',
      'live',
    ]);
    expect(r.steps.every((s) => s.ms === 10 && s.ok)).toBe(true);
    expect(effects).toEqual(['release_lock', 'record:live']);
  });

  it('a failure before the flip removes the new pool, never the live one, and names the step', async () => {
    const { h, ran, effects, events } = hooks('build');
    const r = await drive('d1', deployPlan('blue'), h);
    expect(r).toMatchObject({ ok: false, failedStep: 'build', reason: { kind: 'command', stderr: 'boom' } });
    expect(ran).toEqual(['preflight', 'build']);
    expect(effects).toEqual(['remove_pool:green', 'release_lock', 'record:failed']);
    expect(events.some((e) => e.kind === 'failure' && e.step === 'build')).toBe(true);
  });

  it('a cancel before the flip cleans up green; after the flip it is refused and the deploy completes', async () => {
    const ctrl = new AbortController();
    const early = hooks(undefined, (s) => s === 'green_starting' && ctrl.abort());
    const r = await drive('d1', deployPlan('blue'), early.h, ctrl.signal);
    expect(r).toMatchObject({ ok: false, cancelled: true, failedStep: 'green_starting' });
    expect(early.effects).toEqual(['remove_pool:green', 'release_lock', 'record:cancelled']);

    const late = new AbortController();
    const after = hooks(undefined, (s) => s === 'flipping' && late.abort());
    const r2 = await drive('d2', deployPlan('blue'), after.h, late.signal);
    expect(r2.ok).toBe(true);
    expect(after.events.some((e) => e.kind === 'notice' && /cancel is no longer possible/.test(e.message))).toBe(true);
  });
});
