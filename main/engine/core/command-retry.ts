// What is worth retrying, for commands (git) and API calls (Docker over the tunnel): the network,
// never the code. Commands also get a timeout that grows on each attempt; every attempt is handed
// to the audit log. The loop and the backoff are shared/retry.ts's.
import { backoffMs, retry } from '../../../shared/retry';

export interface CommandOutcome {
  argv: string[];
  exitCode: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut?: boolean;
  /** Node error code when the command never ran to an exit (ECONNRESET, channel closed…). */
  errorCode?: string;
}

export type Verdict = 'ok' | 'transient' | 'permanent';

// What the network does, not what the code does: connection drops, broken pipes, a git host's
// 5xx, a registry that is briefly away. Import errors, missing modules and failed builds are permanent.
const TRANSIENT_TEXT = [
  /connection (reset|refused|closed|timed out)/i,
  /broken pipe/i,
  /\b(502|503|504)\b.*(bad gateway|unavailable|timeout)/i,
  /the remote end hung up unexpectedly/i,
  /temporary failure in name resolution/i,
  /early EOF/i,
  /TLS handshake timeout/i,
  /i\/o timeout/i,
];
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'CHANNEL_CLOSED',
  'CONNECTION_LOST',
]);

// A real answer, even when git adds "the remote end hung up" after it: never worth a retry.
const PERMANENT_TEXT =
  /couldn't find remote ref|repository not found|does not appear to be a git repository|permission denied|authentication failed|could not read username|host key verification failed/i;

export function classify(o: CommandOutcome): Verdict {
  if (o.exitCode === 0 && !o.timedOut && !o.errorCode) return 'ok';
  if (PERMANENT_TEXT.test(o.stderr)) return 'permanent';
  if (o.timedOut) return 'transient';
  if (o.errorCode && TRANSIENT_CODES.has(o.errorCode)) return 'transient';
  if (o.signal === 'SIGPIPE' || o.signal === 'PIPE') return 'transient';
  if (o.exitCode === 255 && /ssh|connection/i.test(o.stderr)) return 'transient';
  if (TRANSIENT_TEXT.some((re) => re.test(o.stderr))) return 'transient';
  return 'permanent';
}

export interface RetryPolicy {
  /** Total attempts, the first included: 1 + 3 retries. */
  maxAttempts: number;
  baseTimeoutMs: number;
  /** Each retry's timeout is the previous one times this. */
  timeoutGrowth: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 4,
  baseTimeoutMs: 120_000,
  timeoutGrowth: 1.5,
  baseBackoffMs: 1000,
  maxBackoffMs: 15_000,
};

export interface AttemptRecord {
  attempt: number;
  timeoutMs: number;
  outcome: CommandOutcome;
  verdict: Verdict;
}

export interface RunDeps {
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  signal?: AbortSignal;
  /** Called once per attempt, before any retry: the audit log writes it. */
  onAttempt(record: AttemptRecord): void | Promise<void>;
}

export function timeoutFor(policy: RetryPolicy, attempt: number): number {
  return Math.round(policy.baseTimeoutMs * policy.timeoutGrowth ** (attempt - 1));
}

export function backoffFor(policy: RetryPolicy, attempt: number): number {
  return backoffMs({ baseMs: policy.baseBackoffMs, maxMs: policy.maxBackoffMs }, attempt);
}

/** Runs `op` until it succeeds, fails permanently, or the attempts run out. Returns the last attempt. */
export async function runWithRetry(
  op: (attempt: number, timeoutMs: number) => Promise<CommandOutcome>,
  policy: RetryPolicy,
  deps: RunDeps,
): Promise<AttemptRecord & { attempts: number }> {
  return retry(
    async (attempt) => {
      const timeoutMs = timeoutFor(policy, attempt);
      const outcome = await op(attempt, timeoutMs);
      const record = { attempt, timeoutMs, outcome, verdict: classify(outcome), attempts: attempt };
      await deps.onAttempt(record);
      return record;
    },
    {
      maxAttempts: policy.maxAttempts,
      baseMs: policy.baseBackoffMs,
      maxMs: policy.maxBackoffMs,
      retryResult: (r) => r.verdict === 'transient',
      sleep: deps.sleep,
      ...(deps.signal ? { signal: deps.signal } : {}),
    },
  );
}

// What an API call through the tunnel throws when the link, not the server, failed.
const TRANSIENT_ERROR_TEXT =
  /socket hang up|not connected|no response|connection (reset|lost|closed)|the SSH connection .* is down|ECONNRESET|EPIPE|keepalive timeout/i;

/** Classifies an error thrown by a Docker API call or an SSH forward: retry the network, never the code. */
export function classifyError(err: unknown): Exclude<Verdict, 'ok'> {
  const e = err as { code?: unknown; statusCode?: unknown; message?: unknown } | null;
  if (typeof e?.statusCode === 'number') return e.statusCode >= 502 && e.statusCode <= 504 ? 'transient' : 'permanent';
  if (
    typeof e?.code === 'string' &&
    (TRANSIENT_CODES.has(e.code) || e.code === 'connection_lost' || e.code === 'unreachable')
  )
    return 'transient';
  return TRANSIENT_ERROR_TEXT.test(String(e?.message ?? err)) ? 'transient' : 'permanent';
}

/** Quick retries for single API calls: the SSH link reconnects within seconds or not at all. */
export const API_RETRY = { maxAttempts: 4, baseMs: 500, maxMs: 4000 } as const;
