import { afterEach, describe, expect, it, vi } from 'vitest';
import { backoffMs, retry, sleep, TimeoutError, withTimeout } from './retry';

afterEach(() => vi.useRealTimers());

describe('backoffMs', () => {
  it('doubles from the base and stops at the cap', () => {
    const b = { baseMs: 500, maxMs: 4000 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs(b, n))).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
  });
});

describe('retry', () => {
  it('retries a retryable failure with the backoff between attempts, then returns', async () => {
    const waits: number[] = [];
    let calls = 0;
    const r = await retry(
      async (attempt) => {
        calls++;
        if (attempt < 3) throw new Error('socket hang up');
        return 'ok';
      },
      { maxAttempts: 4, baseMs: 100, maxMs: 1000, sleep: async (ms) => void waits.push(ms) },
    );
    expect(r).toBe('ok');
    expect(calls).toBe(3);
    expect(waits).toEqual([100, 200]);
  });

  it('never retries a failure that is not retryable, and reports each failure', async () => {
    const seen: [number, boolean][] = [];
    await expect(
      retry(
        async () => {
          throw new Error('no such image');
        },
        {
          maxAttempts: 4,
          baseMs: 1,
          maxMs: 1,
          retryable: () => false,
          onFailure: (_e, n, again) => void seen.push([n, again]),
        },
      ),
    ).rejects.toThrow('no such image');
    expect(seen).toEqual([[1, false]]);
  });

  it('gives up after maxAttempts with the last error', async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error(`try ${calls}`);
        },
        { maxAttempts: 3, baseMs: 1, maxMs: 1 },
      ),
    ).rejects.toThrow('try 3');
    expect(calls).toBe(3);
  });

  it('retries a result the caller says is not final', async () => {
    let calls = 0;
    const r = await retry(async () => ++calls, { maxAttempts: 5, baseMs: 1, maxMs: 1, retryResult: (n) => n < 3 });
    expect(r).toBe(3);
  });

  it('an abort during the backoff stops it at once and leaves no timer behind', async () => {
    vi.useFakeTimers();
    const ctrl = new AbortController();
    let calls = 0;
    const running = retry(
      async () => {
        calls++;
        throw new Error('ECONNRESET');
      },
      { maxAttempts: 10, baseMs: 60_000, maxMs: 60_000, signal: ctrl.signal },
    );
    const settled = expect(running).rejects.toThrow('stop now');
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(1);
    ctrl.abort(new Error('stop now'));
    await settled;
    expect(calls).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not start when already aborted', async () => {
    const op = vi.fn(async () => 1);
    await expect(retry(op, { maxAttempts: 2, baseMs: 1, maxMs: 1, signal: AbortSignal.abort() })).rejects.toThrow();
    expect(op).not.toHaveBeenCalled();
  });
});

describe('sleep', () => {
  it('clears its timer on abort', async () => {
    vi.useFakeTimers();
    const ctrl = new AbortController();
    const s = expect(sleep(10_000, ctrl.signal)).rejects.toThrow();
    expect(vi.getTimerCount()).toBe(1);
    ctrl.abort();
    await s;
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('withTimeout', () => {
  it('returns the work and clears its timer the moment the work settles', async () => {
    vi.useFakeTimers();
    const r = await withTimeout(async () => 42, 30 * 60_000);
    expect(r).toBe(42);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects at the deadline naming what timed out, and aborts the work so it can stop', async () => {
    vi.useFakeTimers();
    let workSignal: AbortSignal | undefined;
    const p = withTimeout(
      (signal) => {
        workSignal = signal;
        return new Promise<never>(() => undefined);
      },
      5000,
      { what: 'the module update' },
    );
    const settled = expect(p).rejects.toThrow(new TimeoutError('the module update did not finish within 5 s', 5000));
    await vi.advanceTimersByTimeAsync(5000);
    await settled;
    expect(workSignal?.aborted).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an outer abort ends it at once with the abort reason', async () => {
    const ctrl = new AbortController();
    const p = withTimeout(() => new Promise<never>(() => undefined), 60_000, { signal: ctrl.signal });
    ctrl.abort(new Error('cancelled by the operator'));
    await expect(p).rejects.toThrow('cancelled by the operator');
  });
});
