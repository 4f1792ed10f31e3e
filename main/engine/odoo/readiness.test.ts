import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SEED_TIMING, waitUntilReady, type WorkerProbe } from './readiness';
import { realClock } from '../core/clock';

/** A worker like Odoo: port opens at `portAt`; a request waits on the registry lock until `readyAt`. */
function odooLike(worker: string, portAt: number, readyAt: number, httpStarts: number[]): WorkerProbe {
  return {
    worker,
    portOpen: async () => Date.now() >= portAt,
    http: (waitMs, signal) => {
      httpStarts.push(Date.now());
      return new Promise((resolve) => {
        const wait = Math.max(0, readyAt - Date.now());
        if (wait <= waitMs) setTimeout(() => resolve({ ok: true, detail: 'GET /web/login → 200' }), wait);
        else setTimeout(() => resolve({ ok: false, detail: `no answer in ${waitMs} ms` }), waitMs);
        signal.addEventListener('abort', () => resolve({ ok: false, detail: 'aborted' }));
      });
    },
  };
}

describe('waitUntilReady (seed timing: 5 s, backing off to 15 s)', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('notices readiness within 1 s while sending at most one HTTP probe per 5 s', async () => {
    const startsA: number[] = [];
    const startsB: number[] = [];
    const done = waitUntilReady(
      [odooLike('web-1', 1200, 13_700, startsA), odooLike('web-2', 900, 4200, startsB)],
      SEED_TIMING,
      realClock,
      () => {},
    );
    await vi.advanceTimersByTimeAsync(60_000);
    const out = await done;
    expect(out.ready).toBe(true);
    if (!out.ready) return;
    expect(out.readyAt['web-1']! - 13_700).toBeLessThanOrEqual(1000);
    expect(out.readyAt['web-2']! - 4200).toBeLessThanOrEqual(1000);
    for (const starts of [startsA, startsB]) {
      for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(5000);
    }
    expect(startsA[0]).toBeLessThan(1200 + SEED_TIMING.portCheckMs + 1); // first probe right after the port opens
  });

  it('backs off to 15 s after the first six probes', async () => {
    const starts: number[] = [];
    const done = waitUntilReady(
      [odooLike('web-1', 0, 10 ** 9, starts)],
      { ...SEED_TIMING, timeoutMs: 90_000 },
      realClock,
      () => {},
    );
    await vi.advanceTimersByTimeAsync(100_000);
    const out = await done;
    const gaps = starts.slice(1).map((s, i) => s - starts[i]!);
    expect(gaps.slice(0, 5).every((g) => g === 5000)).toBe(true);
    expect(gaps.slice(6).every((g) => g === 15_000)).toBe(true);
    expect(out.ready).toBe(false);
  });

  it('on timeout reports the last probe of every worker, including one whose port never opened', async () => {
    const done = waitUntilReady(
      [odooLike('web-1', 0, 10 ** 9, []), odooLike('web-2', 10 ** 9, 10 ** 9, [])],
      { ...SEED_TIMING, timeoutMs: 20_000 },
      realClock,
      () => {},
    );
    await vi.advanceTimersByTimeAsync(25_000);
    const out = await done;
    expect(out.ready).toBe(false);
    if (out.ready) return;
    expect(out.waitedMs).toBeGreaterThanOrEqual(20_000);
    expect(out.lastProbes.map((p) => [p.worker, p.ok])).toEqual([
      ['web-1', false],
      ['web-2', false],
    ]);
    expect(out.lastProbes[1]!.detail).toMatch(/port never opened/);
  });
});
