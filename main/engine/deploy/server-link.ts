// What the engine needs from a server, and nothing more: its Docker API, a way to open a unix
// socket on it (the edge's admin socket) and a TCP stream from it (a container, for readiness).
// Over SSH these are a dockerode client on a stream-local forward, and ssh2 forwards; a Swarm or a
// local engine can slot in behind the same interface.
import type Docker from 'dockerode';
import type { Duplex } from 'node:stream';
import { API_RETRY, classifyError } from './step-runner';

export interface ServerLink {
  docker: Docker;
  openUnixSocket(path: string): Promise<Duplex>;
  forwardTcp(host: string, port: number): Promise<Duplex>;
}

/** One remote action as the audit log records it. */
export interface RemoteAction {
  action: string;
  /** The equivalent command, for people reading the log: `docker create --name …`. */
  argv: string[];
  ok: boolean;
  exitCode?: number | null;
  output?: string;
  durationMs: number;
  detail?: Record<string, unknown>;
}

export type AuditSink = (a: RemoteAction) => Promise<void>;

/**
 * Runs one Docker API call and records each attempt, whatever the outcome. A transient failure (the
 * SSH link dropped) is retried with backoff after the link reconnects; `op` gets the attempt number
 * so a create can first clear what a lost earlier attempt may have left. A real error is never retried.
 */
export async function audited<T>(audit: AuditSink, action: string, argv: string[], op: (attempt: number) => Promise<T>, output?: (r: T) => string, sleep: (ms: number) => Promise<void> = delay): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const started = Date.now();
    const retry = attempt > 1 ? { attempt } : {};
    try {
      const r = await op(attempt);
      await audit({ action, argv, ok: true, exitCode: 0, durationMs: Date.now() - started, ...(output ? { output: output(r) } : {}), ...(attempt > 1 ? { detail: retry } : {}) });
      return r;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const verdict = classifyError(err);
      const willRetry = verdict === 'transient' && attempt < API_RETRY.maxAttempts;
      await audit({ action, argv, ok: false, exitCode: null, output: message, durationMs: Date.now() - started, detail: { attempt, verdict, ...(willRetry ? { retrying: true } : {}) } });
      if (!willRetry) throw err;
      await sleep(Math.min(API_RETRY.maxBackoffMs, API_RETRY.baseBackoffMs * 2 ** (attempt - 1)));
    }
  }
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The same retry for reads and housekeeping that are not worth an audit record each (polls, lock release). */
export async function retryTransient<T>(op: () => Promise<T>, sleep: (ms: number) => Promise<void> = delay): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (classifyError(err) !== 'transient' || attempt >= API_RETRY.maxAttempts) throw err;
      await sleep(Math.min(API_RETRY.maxBackoffMs, API_RETRY.baseBackoffMs * 2 ** (attempt - 1)));
    }
  }
}
