import { describe, expect, it } from 'vitest';
import { advance, deployPlan, rollbackPlan, start, type DeployEvent, type DeployState, type Effect } from './machine';
import type { StepId } from '../../../shared/deploy';

function runTo(state: DeployState, upTo: StepId): DeployState {
  let s = state;
  let t = 0;
  while (s.phase.kind === 'running' && s.phase.step !== upTo) {
    s = advance(s, { kind: 'step_succeeded', step: s.phase.step, at: (t += 10) }).state;
  }
  return s;
}

const fail = (step: StepId): DeployEvent => ({
  kind: 'step_failed',
  step,
  at: 999,
  reason: { kind: 'command', argv: ['docker', 'build'], exitCode: 1, stderr: 'boom' },
});

describe('deploy state machine', () => {
  it('plans a migration step only over a live pool (a first deploy initialises the database instead)', () => {
    expect(deployPlan(null).steps).not.toContain('migrating');
    expect(deployPlan('green').steps.slice(0, 4)).toEqual(['preflight', 'build', 'migrating', 'green_starting']);
  });

  it('walks every step in order to live, timing each', () => {
    let { state, effects } = start('d1', deployPlan('blue'), 0);
    const ran: StepId[] = [];
    let at = 0;
    while (state.phase.kind === 'running') {
      ran.push(
        ...effects.filter((e): e is Extract<Effect, { kind: 'run_step' }> => e.kind === 'run_step').map((e) => e.step),
      );
      ({ state, effects } = advance(state, { kind: 'step_succeeded', step: state.phase.step, at: (at += 100) }));
    }
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
    expect(state.phase).toEqual({ kind: 'live' });
    expect(effects).toEqual([{ kind: 'release_lock' }, { kind: 'record_outcome', outcome: 'live' }]);
    expect(state.steps.every((s) => s.ok === true && s.ms === 100)).toBe(true);
  });

  it('targets the idle pool', () => {
    expect(deployPlan('blue').target).toBe('green');
    expect(deployPlan('green').target).toBe('blue');
    expect(deployPlan(null).target).toBe('blue');
  });

  it.each(['preflight', 'build', 'green_starting', 'green_ready'] as StepId[])(
    'a failure at %s removes green and never touches blue',
    (step) => {
      const s = runTo(start('d', deployPlan('blue'), 0).state, step);
      const { state, effects } = advance(s, fail(step));
      expect(state.phase).toMatchObject({ kind: 'failed', step, reason: { kind: 'command', stderr: 'boom' } });
      expect(effects).toEqual([
        { kind: 'remove_pool', pool: 'green' },
        { kind: 'release_lock' },
        { kind: 'record_outcome', outcome: 'failed' },
      ]);
      expect(effects.some((e) => 'pool' in e && e.pool === 'blue')).toBe(false);
    },
  );

  it('a failed flip puts the old live pool back in the edge', () => {
    const s = runTo(start('d', deployPlan('blue'), 0).state, 'flipping');
    expect(advance(s, fail('flipping')).effects[0]).toEqual({ kind: 'restore_edge', live: 'blue' });
  });

  it('cancel before the flip cleans up green; after it, refuses and says why', () => {
    const early = runTo(start('d', deployPlan('blue'), 0).state, 'green_ready');
    const cancelled = advance(early, { kind: 'cancel', at: 5 });
    expect(cancelled.state.phase).toEqual({ kind: 'cancelled', step: 'green_ready' });
    expect(cancelled.effects[0]).toEqual({ kind: 'remove_pool', pool: 'green' });

    const late = runTo(start('d', deployPlan('blue'), 0).state, 'draining');
    const refused = advance(late, { kind: 'cancel', at: 5 });
    expect(refused.state).toBe(late);
    expect(refused.effects).toEqual([{ kind: 'notice', message: expect.stringMatching(/roll back/) }]);
  });

  it('ignores events for a step that is not running', () => {
    const s = start('d', deployPlan('blue'), 0).state;
    const t = advance(s, { kind: 'step_succeeded', step: 'build', at: 1 });
    expect(t.state).toBe(s);
    expect(t.effects[0]?.kind).toBe('notice');
  });

  it('a rollback never removes the kept pool, even when it is not ready', () => {
    const { state } = start('r', rollbackPlan('green', 'blue'), 0);
    expect(state.phase).toEqual({ kind: 'running', step: 'green_ready' });
    const { effects } = advance(state, {
      kind: 'step_failed',
      step: 'green_ready',
      at: 3,
      reason: { kind: 'timeout', waitedMs: 3, lastProbes: [] },
    });
    expect(effects.some((e) => e.kind === 'remove_pool')).toBe(false);
  });
});
