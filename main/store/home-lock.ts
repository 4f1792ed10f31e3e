// One lock for all local state in a Flipdeck home (inventory, environments, stored secrets). The app,
// the CLI and CI jobs on one machine take it around every read-modify-write, so no change is lost: a
// change reads the file inside the lock and writes it before letting go.
//
// Built on proper-lockfile (already used by the audit log): the lock is a directory made with mkdir,
// which is atomic on every local filesystem; the holder refreshes its mtime while it works, a lock left
// by a process that died is taken over once stale, and a normal exit or Ctrl-C removes it. Within one
// process, callers queue on a promise chain first, so they never spin against their own lock.
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import lockfile from 'proper-lockfile';
import { FlipdeckError } from '../../shared/errors';

/** The lock directory, beside the files it guards. */
export const LOCK_NAME = 'state.lock';
/** Who holds the lock (pid, host, command, since), for the message another process shows while it waits. */
export const HOLDER_NAME = 'state.lock.holder';
/** How long a change waits while one other process keeps the lock before giving up, saying who it is. */
export const LOCK_TIMEOUT_MS = 10_000;
/** A lock whose holder stopped refreshing it this long ago (it died) is taken over. */
export const LOCK_STALE_MS = 5_000;

interface Held {
  home: string;
  /** Set when the lock was taken from us (we stalled past the stale time): nothing may be written then. */
  lost: Error | null;
}

const held = new AsyncLocalStorage<Held[]>();
const queues = new Map<string, Promise<void>>();

export interface HomeLockOptions {
  timeoutMs?: number;
}

interface Holder {
  pid: number;
  host: string;
  command: string;
  since: string;
}

/**
 * Runs `fn` holding the home's lock: first in turn within this process, then against every other
 * process. Nested calls for the same home run inside the outer one. Throws `refused` (nothing done)
 * when another process keeps the lock longer than the timeout, naming it and the lock directory.
 */
export async function withHomeLock<T>(home: string, fn: () => Promise<T>, opts: HomeLockOptions = {}): Promise<T> {
  const key = path.resolve(home);
  const outer = held.getStore() ?? [];
  if (outer.some((h) => h.home === key)) return fn();

  const before = queues.get(key) ?? Promise.resolve();
  let done!: () => void;
  const turn = new Promise<void>((resolve) => (done = resolve));
  queues.set(key, turn);
  try {
    await before;
    const state: Held = { home: key, lost: null };
    const release = await acquire(key, state, opts.timeoutMs ?? LOCK_TIMEOUT_MS);
    try {
      return await held.run([...outer, state], fn);
    } finally {
      await release();
    }
  } finally {
    done();
    if (queues.get(key) === turn) queues.delete(key);
  }
}

/** Call right before writing a state file: throws unless this async context still holds the home's lock. */
export function assertHomeLockHeld(home: string): void {
  const key = path.resolve(home);
  const mine = held.getStore()?.find((h) => h.home === key);
  if (!mine)
    throw new FlipdeckError(
      'internal',
      `a change to ${key} was about to be written without its lock; nothing was written`,
    );
  if (mine.lost)
    throw new FlipdeckError(
      'refused',
      `the lock on ${key} was taken over by another process while this change was prepared (${mine.lost.message}); nothing was written`,
      { fix: 'retry the command' },
    );
}

async function acquire(home: string, state: Held, timeoutMs: number): Promise<() => Promise<void>> {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const lockPath = path.join(home, LOCK_NAME);
  const holderPath = path.join(home, HOLDER_NAME);
  // The timeout counts while one holder keeps the lock: behind a queue of writers that each take their
  // turn this waits on, as it makes progress (bounded all the same, at six timeouts in total).
  const giveUpAt = Date.now() + 6 * timeoutMs;
  let holder: string | null = null;
  let heldSince = Date.now();
  let pause = 4;
  for (;;) {
    let release: () => Promise<void>;
    try {
      release = await lockfile.lock(home, {
        lockfilePath: lockPath,
        realpath: false,
        stale: LOCK_STALE_MS,
        retries: 0,
        // The default throws from a timer, which would end the process; the write checks this instead.
        onCompromised: (err) => {
          state.lost = err;
        },
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED')
        throw new FlipdeckError('store_corrupt', `cannot lock ${lockPath}: ${(err as Error).message}`, {
          fix: 'check the permissions of the Flipdeck home directory',
        });
      const now = Date.now();
      const current = await holderOf(lockPath, holderPath);
      if (current !== holder) {
        holder = current;
        heldSince = now;
      }
      if (now - heldSince >= timeoutMs || now >= giveUpAt) throw await busy(home, lockPath, holderPath, timeoutMs);
      // Jittered and growing, so twenty waiting processes do not retry in step.
      await sleep(Math.min(timeoutMs, pause * (0.5 + Math.random())));
      pause = Math.min(pause * 1.5, 100);
      continue;
    }
    const note: Holder = {
      pid: process.pid,
      host: os.hostname(),
      command: commandLine(),
      since: new Date().toISOString(),
    };
    await writeFile(holderPath, JSON.stringify(note) + '\n', { mode: 0o600 }).catch(() => undefined);
    return async () => {
      await rm(holderPath, { force: true }).catch(() => undefined);
      // Already gone when it was taken over (see onCompromised): nothing left to release.
      await release().catch(() => undefined);
    };
  }
}

/** Tells one holding of the lock from the next: a new lock directory, and the holder's own note. */
async function holderOf(lockPath: string, holderPath: string): Promise<string> {
  const dir = await stat(lockPath).catch(() => null);
  const note = await readFile(holderPath, 'utf8').catch(() => '');
  return `${dir ? `${dir.dev}:${dir.ino}:${dir.birthtimeMs}` : '-'}|${note}`;
}

function commandLine(): string {
  const [, script, ...args] = process.argv;
  return [path.basename(script ?? process.argv0), ...args.slice(0, 3)].join(' ').slice(0, 120);
}

async function busy(home: string, lockPath: string, holderPath: string, timeoutMs: number): Promise<FlipdeckError> {
  const holder = await readFile(holderPath, 'utf8')
    .then((t) => JSON.parse(t) as Partial<Holder>)
    .catch(() => null);
  let who = 'another Flipdeck process';
  if (holder?.pid) {
    who = `${holder.command ? `\`${holder.command}\`` : 'a process'} (pid ${holder.pid} on ${holder.host ?? '?'}, since ${holder.since ?? '?'})`;
    if (holder.host === os.hostname() && !alive(holder.pid)) who += ', which is no longer running';
  }
  return new FlipdeckError(
    'refused',
    `Flipdeck's local state in ${home} stayed locked by ${who} for more than ${timeoutMs / 1000} s; nothing was changed`,
    {
      fix: `retry when that process is done; if no Flipdeck process is running, remove ${lockPath}`,
      detail: { lock: lockPath, holder },
    },
  );
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
