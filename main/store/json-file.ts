// JSON state files: validated on every read, written atomically (temp file, fsync, rename, fsync the
// directory). A corrupt file is never silently reset: the error names it and a copy is kept. A change
// is a read-modify-write under the home's lock (updateJsonFile), so processes never lose each other's.
import { randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { FlipdeckError } from '../../shared/errors';
import { describeIssues } from '../../shared/validation';
import { assertHomeLockHeld, withHomeLock } from './home-lock';

function keepCorruptCopy(file: string): string {
  const backup = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  if (!existsSync(backup)) copyFileSync(file, backup);
  return backup;
}

function cannotRead(file: string, err: unknown): FlipdeckError {
  return new FlipdeckError('store_corrupt', `cannot read ${file}: ${(err as Error).message}`, {
    fix: 'check the file permissions of the Flipdeck home directory',
  });
}

function parseJsonText<S extends z.ZodType>(file: string, text: string, schema: S): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const backup = keepCorruptCopy(file);
    throw new FlipdeckError(
      'store_corrupt',
      `${file} is not valid JSON (${(err as Error).message}); a copy was kept at ${backup}`,
      {
        fix: `repair the file by hand, or move it away to start empty (your copy stays at ${backup})`,
        detail: { file, backup },
      },
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const backup = keepCorruptCopy(file);
    throw new FlipdeckError(
      'store_corrupt',
      `${file} does not have the expected content (${describeIssues(parsed.error)}); a copy was kept at ${backup}`,
      {
        fix: `repair the named fields, or move the file away to start empty (your copy stays at ${backup})`,
        detail: { file, backup },
      },
    );
  }
  return parsed.data;
}

export async function readJsonFile<S extends z.ZodType>(
  file: string,
  schema: S,
  opts: { fallback: () => z.output<S> },
): Promise<z.output<S>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return opts.fallback();
    throw cannotRead(file, err);
  }
  return parseJsonText(file, text, schema);
}

/**
 * What tells one version of a file from another: every atomic write makes a new inode, and size,
 * mtime and ctime (in nanoseconds) change with it. '' while the file does not exist.
 */
export function fileStampSync(file: string): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw cannotRead(file, err);
  }
  try {
    return stampOf(fd);
  } finally {
    closeSync(fd);
  }
}

function stampOf(fd: number): string {
  const st = fstatSync(fd, { bigint: true });
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

/** Reads a (small) state file synchronously, with the stamp of exactly the version read. */
export function readJsonFileSync<S extends z.ZodType>(
  file: string,
  schema: S,
  opts: { fallback: () => z.output<S> },
): { data: z.output<S>; stamp: string } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { data: opts.fallback(), stamp: '' };
    throw cannotRead(file, err);
  }
  let text: string;
  let stamp: string;
  try {
    stamp = stampOf(fd);
    text = readFileSync(fd, 'utf8');
  } catch (err) {
    throw cannotRead(file, err);
  } finally {
    closeSync(fd);
  }
  return { data: parseJsonText(file, text, schema), stamp };
}

/**
 * One change to a state file in a Flipdeck home: under the home's lock, reads the file as it is now
 * (never a copy read earlier), lets `change` decide, and writes its `next` (validated) before the lock
 * is let go. No `next`: nothing is written. Whatever `change` throws leaves the file as it was.
 */
export async function updateJsonFile<S extends z.ZodType, T>(
  file: string,
  schema: S,
  opts: { fallback: () => z.output<S> },
  change: (current: z.output<S>) => { next?: z.output<S>; result: T },
): Promise<T> {
  const home = path.dirname(file);
  return withHomeLock(home, async () => {
    const { next, result } = change(await readJsonFile(file, schema, opts));
    if (next !== undefined) {
      const checked: unknown = schema.parse(next);
      assertHomeLockHeld(home);
      await writeJsonFileAtomic(file, checked);
    }
    return result;
  });
}

export async function writeFileAtomic(file: string, data: string | Buffer, mode = 0o600): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'w', mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  // The change is made once renamed: syncing the directory makes it survive a power cut, and where
  // that cannot be done (Windows cannot open a directory) the change still stands and is not a failure.
  try {
    const dh = await open(dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  } catch {
    // best effort, see above
  }
}

export async function writeJsonFileAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}
