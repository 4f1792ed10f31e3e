import { describe, expect, it } from 'vitest';
import { Deploy, strategyFor } from './deploy';

describe('strategyFor', () => {
  it('runs a rollback as a rollback, whatever the environment strategy and even with nothing live', () => {
    for (const s of ['blue-green', 'rolling', 'restart'] as const) {
      expect(strategyFor('rollback', s, 'blue')).toBe('rollback');
      expect(strategyFor('rollback', s, null)).toBe('rollback');
    }
  });

  it('runs every first deploy as blue-green: nothing live to roll over or stop', () => {
    for (const s of ['blue-green', 'rolling', 'restart'] as const)
      expect(strategyFor('deploy', s, null)).toBe('blue-green');
  });

  it('runs a deploy over a live pool with the environment strategy', () => {
    expect(strategyFor('deploy', 'blue-green', 'green')).toBe('blue-green');
    expect(strategyFor('deploy', 'rolling', 'blue')).toBe('rolling');
    expect(strategyFor('deploy', 'restart', 'green')).toBe('restart');
  });
});

describe('Deploy', () => {
  it('refuses out-of-range durations before anything runs (a keep window that would throw after the flip)', () => {
    const env = { name: 'prod', keep_window: 1e16, ready_timeout: 300_000, drain_timeout: 60_000 };
    expect(() => new Deploy({ env } as never)).toThrow(/environment prod: keep_window must be 0s to 720h/);
    expect(() => new Deploy({ env: { ...env, keep_window: 0, ready_timeout: 2_160_000_000 } } as never)).toThrow(
      /ready_timeout must be 1s to 24h/,
    );
  });
});
