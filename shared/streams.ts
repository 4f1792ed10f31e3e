// Terminal and log streams: each has an id (from the call that opened it), carries data/end/error
// events, and is cancelled by a close/stop call. Pure types and helpers; imports nothing.

/** Where a terminal opens: a login shell on the server (SSH), or a shell inside one container. */
export type TerminalTarget = { kind: 'server' } | { kind: 'container'; container: string };

export type TerminalEvent =
  | { kind: 'data'; data: string }
  /** The shell ended (exit status when known) or the connection dropped (`reason`). */
  | { kind: 'end'; exitCode: number | null; reason?: string }
  | { kind: 'error'; error: { code: string; message: string; fix?: string } };

export interface LogLine {
  /** The container the line came from (a pool's worker). */
  worker: string;
  text: string;
}

export type LogsEvent =
  /** Lines are batched in main (at most every LOG_BATCH_MS): 20k lines/s must not mean 20k messages/s. */
  | { kind: 'lines'; lines: LogLine[]; dropped?: number }
  | { kind: 'end'; reason: string }
  | { kind: 'error'; error: { code: string; message: string; fix?: string } };

export const LOG_BATCH_MS = 50;
/** Upper bound on lines in one batch; beyond it main drops the oldest and says how many. */
export const LOG_BATCH_MAX = 10_000;

export type LogLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';
export const LOG_LEVELS: LogLevel[] = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'];

// Odoo's log format: `2026-11-25 12:00:00,123 7 INFO dbname odoo.module: message`.
const ODOO_LEVEL = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) /;

/** The Odoo log level of a line; lines that are not Odoo's (tracebacks, prints) carry none. */
export function logLevelOf(text: string): LogLevel | null {
  return (ODOO_LEVEL.exec(text)?.[1] as LogLevel | undefined) ?? null;
}
