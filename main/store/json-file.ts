// JSON state files: validated on every read, written atomically (temp file, fsync, rename, fsync the
// directory). A corrupt file is never silently reset: the error names it and a copy is kept.
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync } from 'node:fs';
import { open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { FlipdeckError } from '../../shared/errors';
import { describeIssues } from '../../shared/validation';

function keepCorruptCopy(file: string): string {
  const backup = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  if (!existsSync(backup)) copyFileSync(file, backup);
  return backup;
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
    throw new FlipdeckError('store_corrupt', `cannot read ${file}: ${(err as Error).message}`, {
      fix: 'check the file permissions of the Flipdeck home directory',
    });
  }
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

export async function writeFileAtomic(file: string, data: string | Buffer, mode = 0o600): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'w', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

export async function writeJsonFileAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}
