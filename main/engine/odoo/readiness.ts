// Readiness of the new pool, worker by worker, sent to each container directly (never through
// the edge) so every answer belongs to a known worker.
//
// Why the probe is shaped like this: Odoo opens its HTTP port before the registry has loaded, and a
// request that arrives meanwhile waits on the registry lock and is answered the moment loading ends.
// So a cheap TCP check runs often until the port opens; then at most one HTTP probe per interval is
// in flight, each allowed to wait for up to that interval. A worker that becomes ready while a probe
// waits is noticed at once, and a booting worker still sees at most one HTTP request per interval.
import type { ProbeResult } from '../../../shared/deploy';
import type { Clock } from '../core/clock';

export interface ReadinessTiming {
  /** Cheap TCP check until the port opens. */
  portCheckMs: number;
  /** HTTP probe interval for the first `fastAttempts` probes, then `slowIntervalMs`. */
  intervalMs: number;
  slowIntervalMs: number;
  fastAttempts: number;
  /**
   * The least time one HTTP probe may wait for its answer, whatever the interval: it includes opening
   * the SSH channel, which on a busy machine took longer than the fast profile's 400 ms interval, so
   * every probe gave up before it was sent (the "socket hang up for 60 s" of busy-machine runs).
   * Waiting longer costs nothing: a worker that becomes ready answers the waiting probe at once.
   */
  minProbeWaitMs: number;
  timeoutMs: number;
}

export const SEED_TIMING: ReadinessTiming = {
  minProbeWaitMs: 5000,
  portCheckMs: 250,
  intervalMs: 5000,
  slowIntervalMs: 15_000,
  fastAttempts: 6,
  timeoutMs: 300_000,
};
export const FAST_TIMING: ReadinessTiming = {
  minProbeWaitMs: 5000,
  portCheckMs: 50,
  intervalMs: 400,
  slowIntervalMs: 800,
  fastAttempts: 6,
  timeoutMs: 30_000,
};

export interface HttpProbeAnswer {
  ok: boolean;
  detail: string;
}

export interface WorkerProbe {
  worker: string;
  portOpen(): Promise<boolean>;
  /** One HTTP readiness probe that may wait up to `waitMs` for an answer. */
  http(waitMs: number, signal: AbortSignal): Promise<HttpProbeAnswer>;
}

export type ReadinessOutcome =
  | { ready: true; readyAt: Record<string, number>; probes: ProbeResult[] }
  | { ready: false; waitedMs: number; lastProbes: ProbeResult[] };

export function probeInterval(t: ReadinessTiming, attempt: number): number {
  return attempt <= t.fastAttempts ? t.intervalMs : t.slowIntervalMs;
}

async function waitForWorker(
  w: WorkerProbe,
  t: ReadinessTiming,
  clock: Clock,
  deadline: number,
  signal: AbortSignal,
  onProbe: (r: ProbeResult) => void,
): Promise<ProbeResult | null> {
  let last: ProbeResult | null = null;
  const record = (attempt: number, ok: boolean, detail: string) => {
    last = { worker: w.worker, attempt, ok, detail, at: new Date(clock.now()).toISOString() };
    onProbe(last);
    return last;
  };
  // Port first: cheap, frequent, no HTTP request reaches a worker that cannot answer anyway.
  while (!signal.aborted && clock.now() < deadline) {
    if (await w.portOpen().catch(() => false)) break;
    await clock.sleep(t.portCheckMs, signal);
  }
  for (let attempt = 1; !signal.aborted && clock.now() < deadline; attempt++) {
    const interval = probeInterval(t, attempt);
    const started = clock.now();
    const waitMs = Math.max(1, Math.min(Math.max(interval, t.minProbeWaitMs), deadline - started));
    let answer: HttpProbeAnswer;
    try {
      answer = await w.http(waitMs, signal);
    } catch (err) {
      answer = { ok: false, detail: err instanceof Error ? err.message : String(err) };
    }
    const r = record(attempt, answer.ok, answer.detail);
    if (r.ok) return r;
    const rest = interval - (clock.now() - started);
    if (rest > 0) await clock.sleep(Math.min(rest, Math.max(0, deadline - clock.now())), signal);
  }
  return last;
}

/** Waits until every worker answers ready, or the timeout passes. Never throws for a worker's failure. */
export async function waitUntilReady(
  workers: WorkerProbe[],
  t: ReadinessTiming,
  clock: Clock,
  onProbe: (r: ProbeResult) => void,
  outer?: AbortSignal,
): Promise<ReadinessOutcome> {
  const start = clock.now();
  const deadline = start + t.timeoutMs;
  const ctrl = new AbortController();
  outer?.addEventListener('abort', () => ctrl.abort(), { once: true });
  const probes: ProbeResult[] = [];
  const readyAt: Record<string, number> = {};
  const tap = (r: ProbeResult) => {
    probes.push(r);
    if (r.ok) readyAt[r.worker] = clock.now();
    onProbe(r);
  };
  const finals = await Promise.all(workers.map((w) => waitForWorker(w, t, clock, deadline, ctrl.signal, tap)));
  ctrl.abort();
  if (finals.every((r) => r?.ok)) return { ready: true, readyAt, probes };
  const lastProbes = workers.map(
    (w, i) =>
      finals[i] ?? {
        worker: w.worker,
        attempt: 0,
        ok: false,
        detail: 'port never opened',
        at: new Date(clock.now()).toISOString(),
      },
  );
  return { ready: false, waitedMs: clock.now() - start, lastProbes };
}
