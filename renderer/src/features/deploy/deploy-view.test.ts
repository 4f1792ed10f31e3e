import { describe, expect, it } from 'vitest';
import { LOG_LIMIT, applyEvent, drainSecondsLeft, newDeployView, phaseOf } from './deploy-view';

const start = () => newDeployView('s-1', 'lab', 'prod', 'deploy', 1000);

describe('deploy view', () => {
  it('follows steps, probes per worker, the pause before the flip and the end', () => {
    let v = start();
    v = applyEvent(v, { kind: 'progress', progress: { kind: 'step', deploy: 'd', step: 'build', state: 'running' } });
    expect(v.steps.build.state).toBe('running');
    v = applyEvent(v, {
      kind: 'progress',
      progress: { kind: 'step', deploy: 'd', step: 'build', state: 'done', ms: 1200 },
    });
    expect(v.steps.build).toEqual({ state: 'done', ms: 1200 });
    for (const ok of [false, false, true]) {
      v = applyEvent(v, {
        kind: 'progress',
        progress: {
          kind: 'probe',
          deploy: 'd',
          result: { worker: 'w-1', attempt: 1, ok, detail: ok ? '200' : 'refused', at: 'x' },
        },
      });
    }
    expect(v.probes['w-1']).toMatchObject({ attempts: 3, last: { ok: true } });
    v = applyEvent(v, { kind: 'awaiting_flip' });
    expect(phaseOf(v)).toBe('awaiting_flip');
    v = applyEvent(v, {
      kind: 'progress',
      progress: { kind: 'step', deploy: 'd', step: 'flipping', state: 'running' },
    });
    expect(phaseOf(v)).toBe('running');
    v = applyEvent(v, { kind: 'progress', progress: { kind: 'counters', deploy: 'd', requests: 420, failed: 0 } });
    v = applyEvent(v, { kind: 'end', result: { ok: true, deployId: 'd', steps: [] } });
    expect(phaseOf(v)).toBe('done');
    expect(v.counters).toEqual({ requests: 420, failed: 0 });
  });

  it('keeps the failure with its step and reason, and tells a cancel from a failure', () => {
    const reason = { kind: 'command' as const, argv: ['docker', 'build'], exitCode: 3, stderr: 'boom' };
    const failed = applyEvent(
      applyEvent(start(), { kind: 'progress', progress: { kind: 'failure', deploy: 'd', step: 'build', reason } }),
      { kind: 'end', result: { ok: false, deployId: 'd', steps: [], failedStep: 'build', reason } },
    );
    expect(phaseOf(failed)).toBe('failed');
    expect(failed.failure).toEqual({ step: 'build', reason });
    expect(
      phaseOf(applyEvent(start(), { kind: 'end', result: { ok: false, deployId: 'd', steps: [], cancelled: true } })),
    ).toBe('cancelled');
    expect(phaseOf(applyEvent(start(), { kind: 'error', error: { code: 'refused', message: 'locked' } }))).toBe(
      'failed',
    );
  });

  it('bounds the log and counts the drain down without going negative', () => {
    let v = start();
    for (let i = 0; i < LOG_LIMIT + 50; i++)
      v = applyEvent(v, { kind: 'progress', progress: { kind: 'log', deploy: 'd', step: 'build', line: `l${i}` } });
    expect(v.log).toHaveLength(LOG_LIMIT);
    expect(v.log[0]!.line).toBe('l50');
    v = applyEvent(v, {
      kind: 'progress',
      progress: { kind: 'drain', deploy: 'd', sessions: { 'blue-1': 2 }, deadline: 10_000 },
    });
    expect(drainSecondsLeft(v, 4_000)).toBe(6);
    expect(drainSecondsLeft(v, 20_000)).toBe(0);
  });
});
