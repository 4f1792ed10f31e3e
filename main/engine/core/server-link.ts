// What the engine needs from a server, and nothing more: its Docker API, a way to open a unix
// socket on it (the edge's admin socket) and a TCP stream from it (a container, for readiness).
// Over SSH these are a dockerode client on a stream-local forward, and ssh2 forwards; a Swarm or a
// local engine can slot in behind the same interface.
import type Docker from 'dockerode';
import type { Duplex } from 'node:stream';
import { retry, sleep } from '../../../shared/retry';
import { API_RETRY, classifyError } from './command-retry';

export interface ServerLink {
  docker: Docker;
  openUnixSocket(path: string): Promise<Duplex>;
  /** A TCP stream to host:port seen from the server, usable as an http socket (the adapter makes it one). */
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

/** A fixed multi-line script in a command reads as one token in the audit log (its text is in the code). */
export function shortScript(arg: string): string {
  return arg.includes('\n') ? `<fixed script, ${arg.split('\n').length} lines>` : arg;
}

const isTransient = (err: unknown) => classifyError(err) === 'transient';

/**
 * Runs one Docker API call and records each attempt, whatever the outcome. A transient failure (the
 * SSH link dropped) is retried with backoff after the link reconnects; `op` gets the attempt number
 * so a create can first clear what a lost earlier attempt may have left. A real error is never retried.
 */
export async function audited<T>(
  audit: AuditSink,
  action: string,
  argv: string[],
  op: (attempt: number) => Promise<T>,
  output?: (r: T) => string,
  wait: (ms: number, signal?: AbortSignal) => Promise<void> = sleep,
): Promise<T> {
  let started = Date.now();
  return retry(
    async (attempt) => {
      started = Date.now();
      const r = await op(attempt);
      await audit({
        action,
        argv,
        ok: true,
        exitCode: 0,
        durationMs: Date.now() - started,
        ...(output ? { output: output(r) } : {}),
        ...(attempt > 1 ? { detail: { attempt } } : {}),
      });
      return r;
    },
    {
      ...API_RETRY,
      retryable: isTransient,
      sleep: wait,
      onFailure: async (err, attempt, willRetry) => {
        const message = err instanceof Error ? err.message : String(err);
        await audit({
          action,
          argv,
          ok: false,
          exitCode: null,
          output: message,
          durationMs: Date.now() - started,
          detail: { attempt, verdict: classifyError(err), ...(willRetry ? { retrying: true } : {}) },
        });
      },
    },
  );
}

/** The same retry for reads and housekeeping that are not worth an audit record each (polls, lock release). */
export function retryTransient<T>(
  op: () => Promise<T>,
  wait: (ms: number, signal?: AbortSignal) => Promise<void> = sleep,
): Promise<T> {
  return retry(() => op(), { ...API_RETRY, retryable: isTransient, sleep: wait });
}
