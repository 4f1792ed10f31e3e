import { describe, expect, it } from 'vitest';
import { strategyFor } from './deploy';

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
