// The local audit history: append-only JSON lines, one fsync'd record per action, each chained to
// the previous by an HMAC keyed from the secret store — an edited record cannot simply be re-hashed
// without the key. The app and the CLI may append at once (a file lock serialises them); a torn last
// line after a crash is reported by verify, and the next append starts on a fresh line.
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import type { AuditRecord, AuditVerification } from '../../shared/model';
import { FlipdeckError } from '../../shared/errors';
import type { Redactor, SecretStore } from './secret-store';

export type AuditEntry = Omit<AuditRecord, 'seq' | 'at' | 'actor' | 'prev' | 'mac'> & { actor?: string };

export const INLINE_OUTPUT_LIMIT = 64 * 1024;
const GENESIS = 'genesis';

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function macFor(key: Buffer, record: Omit<AuditRecord, 'mac'>): string {
  return createHmac('sha256', key).update(record.prev).update('\n').update(canonicalJson(record)).digest('hex');
}

export const defaultActor = () => `${os.userInfo().username}@${os.hostname()}`;

interface ParsedLine {
  record: AuditRecord | null;
  text: string;
}

function parseLines(text: string): { lines: ParsedLine[]; tornTail: boolean } {
  const raw = text.split('\n');
  const endsClean = text.endsWith('\n') || text === '';
  if (raw[raw.length - 1] === '') raw.pop();
  const lines = raw.map((t) => {
    try {
      const r = JSON.parse(t) as AuditRecord;
      return { record: typeof r === 'object' && r !== null && typeof r.mac === 'string' ? r : null, text: t };
    } catch {
      return { record: null, text: t };
    }
  });
  return { lines, tornTail: !endsClean || lines.some((l) => l.record === null) };
}

export class AuditLog {
  readonly path: string;
  private readonly key: Buffer;
  private readonly redactor: Redactor;
  private readonly actor: string;

  constructor(o: { path: string; key: Buffer; redactor: Redactor; actor?: string }) {
    this.path = o.path;
    this.key = o.key;
    this.redactor = o.redactor;
    this.actor = o.actor ?? defaultActor();
  }

  private async ensureFile(): Promise<void> {
    await mkdir(path.dirname(this.path), { recursive: true, mode: 0o700 });
    if (!existsSync(this.path)) await writeFile(this.path, '', { mode: 0o600, flag: 'a' });
  }

  async append(entry: AuditEntry): Promise<AuditRecord> {
    await this.ensureFile();
    const release = await lockfile.lock(this.path, {
      realpath: false,
      stale: 10_000,
      retries: { retries: 200, minTimeout: 5, maxTimeout: 50, factor: 1.3 },
    });
    try {
      const text = await readFile(this.path, 'utf8');
      const { lines } = parseLines(text);
      const last = [...lines].reverse().find((l) => l.record)?.record ?? null;
      const clean = this.redactor.redactDeep({ ...entry });
      let output = clean.output;
      let outputRef: string | undefined;
      const seq = (last?.seq ?? 0) + 1;
      if (output !== undefined && Buffer.byteLength(output) > INLINE_OUTPUT_LIMIT) {
        const dir = path.join(path.dirname(this.path), 'audit-output');
        await mkdir(dir, { recursive: true, mode: 0o700 });
        outputRef = path.join('audit-output', `${seq}-${randomBytes(4).toString('hex')}.txt`);
        await writeFile(path.join(path.dirname(this.path), outputRef), output, { mode: 0o600 });
        output = `${output.slice(0, 4096)}\n… (${Buffer.byteLength(output)} bytes in total, see ${outputRef})`;
      }
      const base: Omit<AuditRecord, 'mac'> = {
        ...clean,
        seq,
        at: new Date().toISOString(),
        actor: entry.actor ?? this.actor,
        ...(output !== undefined ? { output } : {}),
        ...(outputRef ? { outputRef } : {}),
        prev: last?.mac ?? GENESIS,
      };
      const record: AuditRecord = { ...base, mac: macFor(this.key, base) };
      // After a torn line, start on a fresh line so the fragment stays on its own.
      const prefix = text.length > 0 && !text.endsWith('\n') ? '\n' : '';
      const fh = await open(this.path, 'a', 0o600);
      try {
        await fh.write(prefix + JSON.stringify(record) + '\n');
        await fh.sync();
      } finally {
        await fh.close();
      }
      return record;
    } finally {
      await release();
    }
  }

  private async records(): Promise<{ lines: ParsedLine[]; tornTail: boolean }> {
    if (!existsSync(this.path)) return { lines: [], tornTail: false };
    return parseLines(await readFile(this.path, 'utf8'));
  }

  async list(
    q: {
      server?: string | undefined;
      environment?: string | undefined;
      action?: string | undefined;
      since?: string | undefined;
      limit?: number | undefined;
      match?: (r: AuditRecord) => boolean;
    } = {},
  ): Promise<AuditRecord[]> {
    const { lines } = await this.records();
    const out = lines
      .map((l) => l.record)
      .filter((r): r is AuditRecord => r !== null)
      .filter(
        (r) =>
          (!q.server || r.server === q.server) &&
          (!q.environment || r.environment === q.environment) &&
          (!q.action || r.action.startsWith(q.action)) &&
          (!q.since || r.at >= q.since) &&
          (!q.match || q.match(r)),
      );
    return out.reverse().slice(0, q.limit ?? 500);
  }

  /** One record, with its whole output read back from the side file when it was too large to inline. */
  async record(seq: number): Promise<AuditRecord & { fullOutput?: string }> {
    const { lines } = await this.records();
    const r = lines.find((l) => l.record?.seq === seq)?.record;
    if (!r) throw new FlipdeckError('not_found', `the audit log has no record ${seq}`);
    if (!r.outputRef) return r;
    const dir = path.dirname(this.path);
    const file = path.resolve(dir, r.outputRef);
    // The ref is ours, but the log is a file on disk: never read outside the log's own folder.
    if (!file.startsWith(path.join(dir, 'audit-output') + path.sep)) return r;
    return {
      ...r,
      fullOutput: await readFile(file, 'utf8').catch(() => `(the output file ${r.outputRef} is missing)`),
    };
  }

  async head(): Promise<{ seq: number; mac: string } | null> {
    const { lines } = await this.records();
    const last = [...lines].reverse().find((l) => l.record)?.record;
    return last ? { seq: last.seq, mac: last.mac } : null;
  }

  /** The MAC of record `seq`, or null when this log has no such record. */
  async macAt(seq: number): Promise<string | null> {
    const { lines } = await this.records();
    return lines.find((l) => l.record?.seq === seq)?.record?.mac ?? null;
  }

  async verify(): Promise<AuditVerification> {
    const { lines, tornTail } = await this.records();
    let prev = GENESIS;
    let expectedSeq = 1;
    let count = 0;
    for (const line of lines) {
      const r = line.record;
      if (!r) continue; // a torn fragment: reported through tornTail
      const { mac, ...rest } = r;
      if (r.prev !== prev || r.seq !== expectedSeq || macFor(this.key, rest) !== mac) {
        return {
          ok: false,
          records: count,
          brokenAt: r.seq,
          tornTail,
          message: `record ${r.seq} does not match the chain: it was edited, removed or inserted after it was written`,
        };
      }
      prev = mac;
      expectedSeq++;
      count++;
    }
    const torn = tornTail ? '; a line cut short (likely a crash while writing) was found and kept aside' : '';
    return { ok: true, records: count, tornTail, message: `${count} record(s), chain intact${torn}` };
  }
}

/**
 * The HMAC key: FLIPDECK_AUDIT_KEY (hex or base64, ≥ 32 bytes) when set; otherwise a random key kept
 * in the secret store. Headless runs without that variable fall back to a 0600 key file beside the
 * log: it still stops casual edits, and the chain's head is also recorded on the servers at deploy
 * time, so a rewritten local log no longer matches what the servers saw. The caller prints the warning.
 */
export async function auditKey(
  secrets: SecretStore,
  env: NodeJS.ProcessEnv,
  home: string,
): Promise<{ key: Buffer; warning?: string }> {
  const fromEnv = env.FLIPDECK_AUDIT_KEY;
  if (fromEnv) {
    const key = /^[0-9a-f]+$/i.test(fromEnv) ? Buffer.from(fromEnv, 'hex') : Buffer.from(fromEnv, 'base64');
    if (key.length < 32)
      throw new FlipdeckError('bad_input', 'FLIPDECK_AUDIT_KEY must hold at least 32 bytes (64 hex characters)', {
        fix: 'generate one with: openssl rand -hex 32',
      });
    return { key };
  }
  if (secrets.canStore) {
    const stored = await secrets.get('audit-hmac-key');
    if (stored) return { key: Buffer.from(stored, 'hex') };
    const key = randomBytes(32);
    await secrets.set('audit-hmac-key', key.toString('hex'));
    return { key };
  }
  const file = path.join(home, 'audit.key');
  if (existsSync(file))
    return {
      key: Buffer.from((await readFile(file, 'utf8')).trim(), 'hex'),
      warning: `the audit log key is kept in ${file} (no OS keychain here); set FLIPDECK_AUDIT_KEY to keep it elsewhere`,
    };
  const key = randomBytes(32);
  await mkdir(home, { recursive: true, mode: 0o700 });
  await writeFile(file, key.toString('hex'), { mode: 0o600, flag: 'wx' }).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  return {
    key: Buffer.from((await readFile(file, 'utf8')).trim(), 'hex'),
    warning: `created the audit log key in ${file} (no OS keychain here); set FLIPDECK_AUDIT_KEY to keep it elsewhere`,
  };
}
