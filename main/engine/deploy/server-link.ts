// What the engine needs from a server, and nothing more: its Docker API, a way to open a unix
// socket on it (the edge's admin socket) and a TCP stream from it (a container, for readiness).
// Over SSH these are a dockerode client on a stream-local forward, and ssh2 forwards; a Swarm or a
// local engine can slot in behind the same interface.
import type Docker from 'dockerode';
import type { Duplex } from 'node:stream';

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

/** Runs one Docker API call and records it, whatever the outcome. */
export async function audited<T>(audit: AuditSink, action: string, argv: string[], op: () => Promise<T>, output?: (r: T) => string): Promise<T> {
  const started = Date.now();
  try {
    const r = await op();
    await audit({ action, argv, ok: true, exitCode: 0, durationMs: Date.now() - started, ...(output ? { output: output(r) } : {}) });
    return r;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await audit({ action, argv, ok: false, exitCode: null, output: message, durationMs: Date.now() - started });
    throw err;
  }
}
