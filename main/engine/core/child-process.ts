// The one place main/ starts a child process (lint refuses node:child_process elsewhere): argv as an
// array, never a shell, and an environment built from the allow-list in shared/child-env.ts, so no
// child inherits FLIPDECK_SECRET_*, the audit key or the key passphrase.
import { execFile } from 'node:child_process';
import { childEnv, type ChildEnvOptions } from '../../../shared/child-env';
import type { CommandOutcome } from './command-retry';

export interface RunChildOptions extends ChildEnvOptions {
  timeoutMs: number;
  /** Where the allow-list takes its values from; process.env unless a test or a caller says otherwise. */
  parent?: Record<string, string | undefined>;
  maxBuffer?: number;
}

/** Runs argv to its exit (or its timeout) and says what happened; never throws. */
export function runChild(argv: string[], o: RunChildOptions): Promise<CommandOutcome> {
  const started = Date.now();
  const env = childEnv(o.parent ?? process.env, { ...o, platform: o.platform ?? process.platform });
  return new Promise((resolve) => {
    execFile(
      argv[0]!,
      argv.slice(1),
      { timeout: o.timeoutMs, env, maxBuffer: o.maxBuffer ?? 8 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { killed?: boolean; code?: number | string; signal?: string }) | null;
        resolve({
          argv,
          exitCode: e ? (typeof e.code === 'number' ? e.code : null) : 0,
          ...(e?.signal ? { signal: e.signal } : {}),
          stdout: String(stdout),
          stderr: String(stderr),
          durationMs: Date.now() - started,
          ...(e?.killed ? { timedOut: true } : {}),
          ...(e && typeof e.code === 'string' ? { errorCode: e.code } : {}),
        });
      },
    );
  });
}
