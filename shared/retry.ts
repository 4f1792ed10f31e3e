// The one retry loop, backoff formula, cancellable sleep and timeout of the code base. Pure (timers
// only), so the engine, the SSH layer and the renderer's bridge share it. Every wait takes an
// AbortSignal and clears its timer when it ends, so nothing outlives the work that asked for it:
// a CLI process exits as soon as its work is done.

export interface Backoff {
  /** Wait before the second attempt. */
  baseMs: number;
  /** The longest wait between two attempts. */
  maxMs: number;
}

/** Exponential backoff: base, 2×base, 4×base… capped at max. `attempt` is the attempt that just failed (1-based). */
export function backoffMs(b: Backoff, attempt: number): number {
  return Math.min(b.maxMs, b.baseMs * 2 ** Math.max(0, attempt - 1));
}

/** The reason an aborted signal carries, as an Error (AbortSignal.reason may be anything). */
export function abortReason(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  return r instanceof Error
    ? r
    : Object.assign(new Error(typeof r === 'string' ? r : 'cancelled'), { name: 'AbortError' });
}

/** Sleeps `ms`; an abort ends the sleep at once (rejecting with the abort reason) and clears the timer. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RetryOptions<T = unknown> extends Backoff {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Whether a failure is worth another attempt (the network, not the code). Default: every failure. */
  retryable?(err: unknown): boolean;
  /** Whether a result that did not throw still needs another attempt (a command that exited non-zero). */
  retryResult?(result: T): boolean;
  /** Called after each failed attempt, with whether another follows (audit, logs). */
  onFailure?(err: unknown, attempt: number, willRetry: boolean): void | Promise<void>;
  signal?: AbortSignal;
  /** Injected by tests; the real one is `sleep`. */
  sleep?(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * Runs `op` until it succeeds, fails for a reason that is not retryable, or the attempts run out;
 * waits `backoffMs` between attempts. An abort stops it at once, during an attempt's wait too.
 * `op` gets the attempt number (1-based), so a create can first clear what a lost attempt left.
 */
export async function retry<T>(op: (attempt: number) => Promise<T>, o: RetryOptions<T>): Promise<T> {
  const wait = o.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    if (o.signal?.aborted) throw abortReason(o.signal);
    let result: T;
    try {
      result = await op(attempt);
    } catch (err) {
      const willRetry = attempt < o.maxAttempts && !o.signal?.aborted && (o.retryable?.(err) ?? true);
      await o.onFailure?.(err, attempt, willRetry);
      if (!willRetry) throw err;
      await wait(backoffMs(o, attempt), o.signal);
      continue;
    }
    if (attempt < o.maxAttempts && o.retryResult?.(result)) {
      await wait(backoffMs(o, attempt), o.signal);
      continue;
    }
    return result;
  }
}

export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
  readonly code = 'ETIMEDOUT';
  constructor(
    message: string,
    readonly timeoutMs: number,
  ) {
    super(message);
  }
}

/**
 * Runs `work` with a deadline. The work gets a signal that aborts at the deadline or when `signal`
 * aborts, so it can stop what it started; the timer is cleared the moment the work settles.
 * Rejects with a TimeoutError (saying `what` and the limit) at the deadline.
 */
export async function withTimeout<T>(
  work: (signal: AbortSignal) => Promise<T>,
  ms: number,
  o: { what?: string; signal?: AbortSignal } = {},
): Promise<T> {
  const ctrl = new AbortController();
  const outer = o.signal;
  if (outer?.aborted) throw abortReason(outer);
  const error = new TimeoutError(`${o.what ?? 'the operation'} did not finish within ${formatMs(ms)}`, ms);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const onOuter = () => ctrl.abort(abortReason(outer!));
  outer?.addEventListener('abort', onOuter, { once: true });
  try {
    return await Promise.race([
      work(ctrl.signal),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          ctrl.abort(error);
          reject(error);
        }, ms);
        ctrl.signal.addEventListener('abort', () => reject(abortReason(ctrl.signal)), { once: true });
      }),
    ]);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuter);
  }
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}
