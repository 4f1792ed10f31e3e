// The local audit history: append-only JSON lines, one fsync'd record per action, each chained to the
// previous by an HMAC whose key lives outside the home (see audit-trust.ts): an edited record cannot be
// re-signed by someone who only has the home. The chain's head (seq, MAC, size) is kept apart from the
// log, MACed with the same key, and rewritten after every append, so records removed from the end, an
// emptied or deleted log and a cut last line are reported as what they are, and stay reported after
// later appends (the chain always continues from the anchored head, never from a shortened log).
// Appends read only the head and whatever follows its offset in the log, never the whole log. The app
// and the CLI may append at once (a file lock serialises them); a torn last line after a crash is
// reported by verify, and the next append starts on a fresh line.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import type { AuditProblem, AuditRecord, AuditVerification } from '../../shared/model';
import { FlipdeckError } from '../../shared/errors';
import type { Redactor } from './secret-store';

export type AuditEntry = Omit<AuditRecord, 'seq' | 'at' | 'actor' | 'prev' | 'mac'> & { actor?: string };

export const INLINE_OUTPUT_LIMIT = 64 * 1024;
const GENESIS = 'genesis';
const ANCHOR_ACTION = 'audit.anchor';
const MAX_PROBLEMS = 20;

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

/** A fingerprint of a key (not the key). */
export const keyId = (key: Buffer) =>
  createHash('sha256').update('flipdeck audit key id\n').update(key).digest('hex').slice(0, 16);

export const defaultActor = () => `${os.userInfo().username}@${os.hostname()}`;

/** A key an earlier version signed this log with, offered once when the log is first anchored. */
export interface LegacyKey {
  key: Buffer;
  from: string;
  /** A file beside the log holding it: removed once the log is anchored (the key is kept in the retired list). */
  file?: string;
  /** Only some processes can read it (the app's keychain): added to the retired keys when it shows up later. */
  late?: boolean;
}

interface Head {
  version: 1;
  keyId: string;
  seq: number;
  mac: string;
  /** The log's size in bytes right after record `seq` was written. */
  size: number;
  at: string;
}

// The head file holds two fixed-size slots, each a MACed head padded to SLOT bytes. An append
// overwrites the older slot in place (no new file: write-temp-fsync-and-rename costs 4-6 ms on ext4),
// so a write torn by a crash leaves the other slot, the previous head, intact.
const SLOT = 512;

interface Retired {
  version: 1;
  keyId: string;
  /** Records before this seq may carry a retired key's MAC; from this seq on, only the current key's. */
  before: number;
  keys: { key: string; id: string; from: string }[];
}

type HeadState =
  | { kind: 'none' }
  /** `altered`: the other slot is not blank and carries no valid MAC (a crash leaves old or new sectors, not that). */
  | { kind: 'ok'; head: Head; slot: number; altered?: string }
  | { kind: 'bad'; why: string }
  | { kind: 'other-key'; keyId: string };

interface Line {
  text: string;
  /** Ends with a newline (the last line of a file may not). */
  complete: boolean;
}

/** The lines of a file from `start`, read in 1 MiB chunks: memory stays bounded whatever the log's size. */
async function* readLines(file: string, start = 0): AsyncGenerator<Line> {
  const fh = await open(file, 'r').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (!fh) return;
  try {
    const chunk = Buffer.allocUnsafe(1024 * 1024);
    let carry = Buffer.alloc(0);
    let pos = start;
    for (;;) {
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      const buf = carry.length ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
      let from = 0;
      for (let nl = buf.indexOf(10, from); nl !== -1; nl = buf.indexOf(10, from)) {
        yield { text: buf.toString('utf8', from, nl), complete: true };
        from = nl + 1;
      }
      carry = Buffer.from(buf.subarray(from));
    }
    if (carry.length) yield { text: carry.toString('utf8'), complete: false };
  } finally {
    await fh.close();
  }
}

function parseRecord(text: string): AuditRecord | null {
  try {
    const r = JSON.parse(text) as AuditRecord;
    return r &&
      typeof r === 'object' &&
      Number.isSafeInteger(r.seq) &&
      r.seq > 0 &&
      typeof r.mac === 'string' &&
      typeof r.prev === 'string'
      ? r
      : null;
  } catch {
    return null;
  }
}

const macMatches = (key: Buffer, r: AuditRecord) => {
  const { mac, ...rest } = r;
  const want = Buffer.from(macFor(key, rest), 'hex');
  const got = Buffer.from(mac, 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
};

const range = (from: number, to: number) => (from === to ? `record ${from}` : `records ${from}–${to}`);
const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

interface ScanResult {
  exists: boolean;
  size: number;
  records: number;
  last: AuditRecord | null;
  /** The file does not end with a newline: its last line is cut short. */
  trailingFragment: boolean;
  /** Some line is not a record (a crash cut it short, or it was replaced). */
  torn: boolean;
  problems: AuditProblem[];
  warnings: string[];
  /** Key ids that verified at least one record. */
  used: Set<string>;
  /** The MAC of record `macOf` when the log holds it. */
  macAt?: string;
  altered: Set<number>;
  anchors: number;
}

export class AuditLog {
  readonly path: string;
  readonly headFile: string;
  readonly retiredFile: string;
  private readonly key: Buffer;
  private readonly keyId: string;
  private readonly keyWhere: string;
  private readonly redactor: Redactor;
  private readonly actor: string;
  private readonly expectHead: boolean;
  private readonly legacy: () => Promise<{ keys: LegacyKey[]; unreadable?: string; warnings?: string[] }>;
  private opened = false;
  /** Set by open() when this home's head was written with another key: appends are refused. */
  keyConflict: string | undefined;
  /** What opening the log found or did (a migration, a lost head), for the host to print once. */
  readonly notices: string[] = [];

  constructor(o: {
    path: string;
    key: Buffer;
    redactor: Redactor;
    actor?: string;
    /** Path prefix of the head and retired-key files; default `audit` beside the log. */
    anchor?: string;
    keyWhere?: string;
    /** The key existed before this run, so a missing head means a lost one, not a first run. */
    expectHead?: boolean;
    legacy?: () => Promise<{ keys: LegacyKey[]; unreadable?: string; warnings?: string[] }>;
  }) {
    this.path = o.path;
    this.key = o.key;
    this.keyId = keyId(o.key);
    this.keyWhere = o.keyWhere ?? 'the key given';
    this.redactor = o.redactor;
    this.actor = o.actor ?? defaultActor();
    const anchor = o.anchor ?? path.join(path.dirname(o.path), 'audit');
    this.headFile = `${anchor}.head`;
    this.retiredFile = `${anchor}.retired`;
    this.expectHead = o.expectHead ?? false;
    this.legacy = o.legacy ?? (async () => ({ keys: [] }));
  }

  // ---- the anchor: head and retired keys, each MACed with the current key ----

  private sign(kind: string, body: object): string {
    return createHmac('sha256', this.key).update(`${kind}\n`).update(canonicalJson(body)).digest('hex');
  }

  private async readSigned<T extends { keyId: string }>(
    file: string,
    kind: string,
  ): Promise<
    { kind: 'none' } | { kind: 'ok'; value: T } | { kind: 'bad'; why: string } | { kind: 'other-key'; keyId: string }
  > {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' };
      return { kind: 'bad', why: `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
    }
    try {
      const { hmac, ...body } = JSON.parse(text) as T & { hmac: string };
      if (typeof body.keyId === 'string' && body.keyId !== this.keyId) return { kind: 'other-key', keyId: body.keyId };
      if (typeof hmac !== 'string' || hmac !== this.sign(kind, body)) return { kind: 'bad', why: 'was altered' };
      return { kind: 'ok', value: body as unknown as T };
    } catch {
      return { kind: 'bad', why: 'is not valid JSON' };
    }
  }

  private writeSigned(file: string, kind: string, body: object): Promise<void> {
    return this.writeFileAtomic(file, JSON.stringify({ ...body, hmac: this.sign(kind, body) }) + '\n');
  }

  private async writeFileAtomic(file: string, data: string | Buffer): Promise<void> {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
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
  }

  /** The newest valid slot of the head file, and which slot it is. */
  private async readHead(): Promise<HeadState> {
    let buf: Buffer;
    try {
      buf = await readFile(this.headFile);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' };
      return { kind: 'bad', why: `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
    }
    let best: { head: Head; slot: number } | null = null;
    let otherKey: string | null = null;
    let invalid = 0;
    for (let slot = 0; slot < 2; slot++) {
      const text = buf.toString('utf8', slot * SLOT, (slot + 1) * SLOT).trim();
      if (!text) continue;
      try {
        const { hmac, ...body } = JSON.parse(text) as Head & { hmac: string };
        if (body.keyId === this.keyId && hmac === this.sign('head', body) && Number.isSafeInteger(body.seq)) {
          if (body.seq >= (best?.head.seq ?? -1)) best = { head: body, slot };
        } else if (body.keyId !== this.keyId && /^[0-9a-f]{16}$/.test(String(body.keyId))) otherKey = body.keyId;
        else invalid++;
      } catch {
        invalid++;
      }
    }
    if (best)
      return {
        kind: 'ok',
        head: best.head,
        slot: best.slot,
        ...(invalid || otherKey || buf.length !== 2 * SLOT
          ? { altered: 'was altered (one of its slots carries no valid MAC)' }
          : {}),
      };
    if (otherKey) return { kind: 'other-key', keyId: otherKey };
    return { kind: 'bad', why: buf.length === 0 ? 'is empty' : 'was altered (no slot carries a valid MAC)' };
  }

  private slotBytes(h: Head): Buffer {
    const text = JSON.stringify({ ...h, hmac: this.sign('head', h) });
    if (Buffer.byteLength(text) >= SLOT) throw new FlipdeckError('internal', 'the audit head does not fit its slot');
    return Buffer.from(text.padEnd(SLOT - 1, ' ') + '\n');
  }

  /**
   * Writes the head into the slot that does not hold the current one (`slot`); without a current slot
   * (a first head, or one that was lost or altered) the whole file is written anew.
   */
  private async writeHead(h: Omit<Head, 'version' | 'keyId'>, slot?: number): Promise<void> {
    const head: Head = { version: 1, keyId: this.keyId, ...h };
    const fh =
      slot === undefined
        ? null
        : await open(this.headFile, 'r+').catch((err: NodeJS.ErrnoException) => {
            if (err.code === 'ENOENT') return null;
            throw err;
          });
    if (!fh) {
      await this.writeFileAtomic(this.headFile, Buffer.concat([this.slotBytes(head), Buffer.alloc(SLOT, ' ')]));
      return;
    }
    try {
      // No sync of its own: the record it points at is already fsync'd, and a head lost or torn by a
      // power cut (each slot is one 512-byte sector) leaves the previous slot, i.e. a log one record
      // ahead of its head, which verify and the next append accept only when that record chains from
      // the head with a valid MAC. One flush per append, as before the head existed.
      await fh.write(this.slotBytes(head), 0, SLOT, (1 - slot!) * SLOT);
    } finally {
      await fh.close();
    }
  }

  private async readRetired(): Promise<Retired | null> {
    const r = await this.readSigned<Retired>(this.retiredFile, 'retired');
    return r.kind === 'ok' ? r.value : null;
  }

  private otherKeyMessage(id: string): string {
    return `this home's audit log is signed with another key (${id}) than this process's (${this.keyId}, from ${this.keyWhere}): the app and the CLI must take the key from the same place — unset FLIPDECK_AUDIT_KEY or set it alike for both, or restore the key file that was replaced`;
  }

  /** Serialises with every other writer of this log, in any process. Never creates the log (a deleted one stays deleted). */
  private async withLock<T>(fn: () => Promise<T>): Promise<T> {
    await mkdir(path.dirname(this.path), { recursive: true, mode: 0o700 });
    const release = await lockfile.lock(this.path, {
      realpath: false,
      stale: 10_000,
      retries: { retries: 200, minTimeout: 5, maxTimeout: 50, factor: 1.3 },
    });
    try {
      return await fn();
    } finally {
      await release();
    }
  }

  /**
   * Makes sure the log is anchored: a first open of a log from an earlier version verifies it with the
   * keys it was signed with, records that in the log, and anchors it; a lost head is re-anchored and
   * that is recorded too. Returns what it did, for the host to print.
   */
  async open(o: { reanchor?: boolean } = {}): Promise<string[]> {
    if (this.opened) return [];
    const before = this.notices.length;
    const reanchor = o.reanchor ?? true;
    await this.withLock(async () => {
      const state = await this.readHead();
      if (state.kind === 'other-key') {
        this.keyConflict = this.otherKeyMessage(state.keyId);
        this.notices.push(this.keyConflict);
      } else if (state.kind === 'ok' && !state.altered) await this.addLateKeys();
      else await this.anchorLocked(state.kind === 'ok' ? { kind: 'bad', why: state.altered! } : state, reanchor);
    });
    this.opened = true;
    return this.notices.slice(before);
  }

  /** A retired key only some process can read (the app's keychain) joins the retired list when it shows up. */
  private async addLateKeys(): Promise<void> {
    const retired = await this.readRetired();
    if (!retired) return;
    const late = (await this.legacy()).keys.filter((k) => k.late && !retired.keys.some((r) => r.id === keyId(k.key)));
    if (late.length === 0) return;
    const keys = [
      ...retired.keys,
      ...late.map((k) => ({ key: k.key.toString('hex'), id: keyId(k.key), from: k.from })),
    ];
    await this.writeSigned(this.retiredFile, 'retired', { ...retired, keys });
    this.notices.push(
      `added ${late.map((k) => k.from).join(', ')} to the keys that check the records written before ${retired.before}`,
    );
  }

  /**
   * Anchors a log that has no (valid) head. A first anchor (a log from an earlier version) is always
   * done; re-anchoring after a head was lost or altered only when `reanchor` (verify reports it instead).
   */
  private async anchorLocked(
    state: Exclude<HeadState, { kind: 'ok' } | { kind: 'other-key' }>,
    reanchor = true,
  ): Promise<void> {
    const legacy = await this.legacy();
    this.notices.push(...(legacy.warnings ?? []));
    const retired = await this.readRetired();
    const current = { key: this.key, id: this.keyId };
    const candidates = [
      current,
      ...(retired?.keys ?? []).map((k) => ({ key: Buffer.from(k.key, 'hex'), id: k.id })),
      ...legacy.keys.map((k) => ({ key: k.key, id: keyId(k.key) })),
    ].filter((k, i, all) => all.findIndex((x) => x.id === k.id) === i);
    const limit = retired?.before ?? Infinity;
    const scan = await this.scan((seq) => (seq < limit ? candidates : [current]), undefined, legacy.unreadable);
    const hasLog = scan.records > 0 || scan.torn;
    // A log that already holds records signed with this key (or an anchor) had a head: it was lost.
    // An older log signed only with earlier keys is being anchored for the first time.
    const lost = state.kind === 'bad' || scan.anchors > 0 || scan.used.has(this.keyId) || (this.expectHead && !hasLog);
    if (!hasLog && !lost) {
      await this.writeHead({ seq: 0, mac: GENESIS, size: scan.size, at: new Date().toISOString() });
      return;
    }
    const reason = state.kind === 'bad' ? 'head-altered' : lost ? 'head-missing' : 'first-anchor';
    if (reason !== 'first-anchor' && !reanchor) return;
    const seq = (scan.last?.seq ?? 0) + 1;
    const retiredNow = legacy.keys.filter((k) => scan.used.has(keyId(k.key)));
    const keep = [
      ...(retired?.keys ?? []),
      ...retiredNow
        .filter((k) => !retired?.keys.some((r) => r.id === keyId(k.key)))
        .map((k) => ({ key: k.key.toString('hex'), id: keyId(k.key), from: k.from })),
    ];
    if (!retired || keep.length !== retired.keys.length)
      await this.writeSigned(this.retiredFile, 'retired', {
        version: 1,
        keyId: this.keyId,
        before: retired?.before ?? seq,
        keys: keep,
      } satisfies Retired);
    const tail = scan.last ? { seq: scan.last.seq, mac: scan.last.mac } : { seq: 0, mac: GENESIS };
    await this.appendLocked(
      {
        action: ANCHOR_ACTION,
        ok: scan.problems.length === 0,
        detail: {
          reason,
          key: { id: this.keyId, from: this.keyWhere },
          records: scan.records,
          ...(retiredNow.length ? { verifiedWith: retiredNow.map((k) => ({ id: keyId(k.key), from: k.from })) } : {}),
          ...(scan.problems.length ? { problems: scan.problems.slice(0, 5).map((p) => p.message) } : {}),
        },
      },
      { seq: tail.seq, mac: tail.mac, size: scan.size },
    );
    const removed: string[] = [];
    for (const k of legacy.keys)
      if (k.file) {
        await rm(k.file, { force: true });
        removed.push(
          `${k.file} was removed (${retiredNow.includes(k) ? `its key is kept in ${this.retiredFile}, only to check those older records` : 'no record was signed with it'})`,
        );
      }
    if (reason === 'first-anchor') {
      this.notices.push(
        (retiredNow.length
          ? `the audit log (${plural(scan.records, 'record')}) was verified with its earlier key (${retiredNow.map((k) => k.from).join(', ')}) and is signed from now on with the key from ${this.keyWhere}`
          : `the audit log (${plural(scan.records, 'record')}) is anchored from now on: its head is kept in ${this.headFile}`) +
          removed.map((r) => `; ${r}`).join(''),
      );
    } else {
      this.notices.push(
        `the audit log's head (${this.headFile}) ${state.kind === 'bad' ? state.why : 'was missing'}: anchored again at record ${seq}; records removed before now cannot be ruled out here — compare with a server: flipdeck audit --verify --against SERVER/ENV`,
      );
    }
    if (scan.problems.length)
      this.notices.push(
        `the existing audit log does not verify (${scan.problems[0]!.message}${scan.problems.length > 1 ? `, and ${plural(scan.problems.length - 1, 'more problem')}` : ''}): it was anchored as it is, and flipdeck audit --verify keeps reporting it`,
      );
  }

  // ---- appending ----

  async append(entry: AuditEntry): Promise<AuditRecord> {
    return this.withLock(async () => {
      let state = await this.readHead();
      if (state.kind === 'other-key')
        throw new FlipdeckError('refused', this.otherKeyMessage(state.keyId), {
          fix: 'use one key source for the app and the CLI on this home',
        });
      if (state.kind !== 'ok' || state.altered) {
        await this.anchorLocked(state.kind === 'ok' ? { kind: 'bad', why: state.altered! } : state);
        state = await this.readHead();
        if (state.kind !== 'ok')
          throw new FlipdeckError('internal', `the audit head ${this.headFile} cannot be written`);
      }
      this.opened = true;
      return this.appendLocked(entry, state.head, state.slot);
    });
  }

  /** The record after `head` (or after records a crash left beyond it that still chain from it). Caller holds the lock. */
  private async appendLocked(
    entry: AuditEntry,
    head: Pick<Head, 'seq' | 'mac' | 'size'>,
    slot?: number,
  ): Promise<AuditRecord> {
    const size = await stat(this.path).then(
      (s) => s.size,
      () => 0,
    );
    let tail = { seq: head.seq, mac: head.mac };
    let endsWithNewline = size === 0;
    if (size > head.size) {
      // Written after the head (a crash between the log's fsync and the head's): keep what still chains.
      let chaining = true;
      for await (const line of readLines(this.path, head.size)) {
        endsWithNewline = line.complete;
        const r = chaining ? parseRecord(line.text) : null;
        if (r && line.complete && r.seq === tail.seq + 1 && r.prev === tail.mac && macMatches(this.key, r))
          tail = { seq: r.seq, mac: r.mac };
        else if (line.text.length > 0) chaining = false;
      }
    } else if (size > 0) {
      const fh = await open(this.path, 'r');
      try {
        const b = Buffer.alloc(1);
        await fh.read(b, 0, 1, size - 1);
        endsWithNewline = b[0] === 10;
      } finally {
        await fh.close();
      }
    }
    const clean = this.redactor.redactDeep({ ...entry });
    let output = clean.output;
    let outputRef: string | undefined;
    const seq = tail.seq + 1;
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
      prev: tail.mac,
    };
    const record: AuditRecord = { ...base, mac: macFor(this.key, base) };
    // After a torn line, start on a fresh line so the fragment stays on its own.
    const text = (endsWithNewline ? '' : '\n') + JSON.stringify(record) + '\n';
    const fh = await open(this.path, 'a', 0o600);
    try {
      await fh.write(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await this.writeHead({ seq, mac: record.mac, size: size + Buffer.byteLength(text), at: record.at }, slot);
    return record;
  }

  // ---- reading ----

  private async *records(): AsyncGenerator<AuditRecord> {
    for await (const line of readLines(this.path)) {
      const r = parseRecord(line.text);
      if (r) yield r;
    }
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
    const limit = q.limit ?? 500;
    if (limit <= 0) return [];
    // Only the newest `limit` matches are kept: memory stays bounded whatever the log's size.
    const kept: AuditRecord[] = [];
    for await (const r of this.records()) {
      if (
        (!q.server || r.server === q.server) &&
        (!q.environment || r.environment === q.environment) &&
        (!q.action || r.action.startsWith(q.action)) &&
        (!q.since || r.at >= q.since) &&
        (!q.match || q.match(r))
      ) {
        kept.push(r);
        if (kept.length >= 2 * limit + 1024) kept.splice(0, kept.length - limit);
      }
    }
    return kept.slice(-limit).reverse();
  }

  /** One record, with its whole output read back from the side file when it was too large to inline. */
  async record(seq: number): Promise<AuditRecord & { fullOutput?: string }> {
    let r: AuditRecord | undefined;
    for await (const x of this.records())
      if (x.seq === seq) {
        r = x;
        break;
      }
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

  /** The anchored head (what a deploy leaves on the server), or null before the first record. */
  async head(): Promise<{ seq: number; mac: string } | null> {
    const state = await this.readHead();
    if (state.kind === 'ok') return state.head.seq > 0 ? { seq: state.head.seq, mac: state.head.mac } : null;
    let last: AuditRecord | null = null;
    for await (const r of this.records()) last = r;
    return last ? { seq: last.seq, mac: last.mac } : null;
  }

  /** The MAC of record `seq`, or null when this log has no such record. */
  async macAt(seq: number): Promise<string | null> {
    for await (const r of this.records()) if (r.seq === seq) return r.mac;
    return null;
  }

  // ---- verifying ----

  /** One pass over the log: the chain, the MACs (with the keys `keysFor` allows at each seq) and the gaps. */
  private async scan(
    keysFor: (seq: number) => { key: Buffer; id: string }[],
    macOf?: number,
    unreadable?: string,
  ): Promise<ScanResult> {
    const st = await stat(this.path).catch(() => null);
    const res: ScanResult = {
      exists: st !== null,
      size: st?.size ?? 0,
      records: 0,
      last: null,
      trailingFragment: false,
      torn: false,
      problems: [],
      warnings: [],
      used: new Set(),
      altered: new Set(),
      anchors: 0,
    };
    if (!st) return res;
    let prev = GENESIS;
    let expect = 1;
    let fragmentBefore = false;
    let alteredRun: { from: number; to: number; why: string } | null = null;
    const problem = (p: AuditProblem) => {
      if (res.problems.length < MAX_PROBLEMS) res.problems.push(p);
    };
    const flushAltered = () => {
      if (!alteredRun) return;
      const { from, to, why } = alteredRun;
      problem({
        kind: 'altered',
        seq: from,
        ...(to !== from ? { to } : {}),
        message: `${range(from, to)} ${from === to ? 'was' : 'were'} altered: ${why}`,
      });
      alteredRun = null;
    };
    const altered = (seq: number, why: string) => {
      res.altered.add(seq);
      if (alteredRun && alteredRun.to === seq - 1 && alteredRun.why === why) alteredRun.to = seq;
      else {
        flushAltered();
        alteredRun = { from: seq, to: seq, why };
      }
    };
    const retiredAllowed = (seq: number) => keysFor(seq).length > 1;
    for await (const line of readLines(this.path)) {
      const r = parseRecord(line.text);
      if (!r) {
        if (line.text.trim() === '') continue;
        res.torn = true;
        fragmentBefore = true;
        if (!line.complete) res.trailingFragment = true;
        continue;
      }
      if (r.seq > expect) {
        flushAltered();
        if (fragmentBefore && r.seq === expect + 1)
          problem({
            kind: 'cut',
            seq: expect,
            message: `record ${expect} was cut short: a partial line stands in its place`,
          });
        else
          problem({
            kind: 'missing',
            seq: expect,
            to: r.seq - 1,
            message:
              expect === 1
                ? `${range(1, r.seq - 1)} missing: the log starts at seq ${r.seq}`
                : `${range(expect, r.seq - 1)} missing (between seq ${expect - 1} and ${r.seq})`,
          });
      } else if (r.seq < expect) {
        flushAltered();
        problem({
          kind: 'order',
          seq: r.seq,
          message: `record ${r.seq} appears again after record ${expect - 1}: inserted, duplicated or moved`,
        });
      } else if (r.prev !== prev && !res.altered.has(r.seq - 1)) {
        flushAltered();
        problem({
          kind: 'altered',
          seq: r.seq,
          message: `record ${r.seq} does not follow record ${r.seq - 1}: a record before it was replaced, or altered and re-signed`,
        });
      }
      const keys = keysFor(r.seq);
      const signer = keys.find((k) => macMatches(k.key, r));
      if (signer) {
        res.used.add(signer.id);
        flushAltered();
      } else {
        const underRetired = retiredAllowed(r.seq);
        const crossing = !underRetired && r.seq > 1 && retiredAllowed(r.seq - 1);
        altered(
          r.seq,
          'content and MAC do not match' +
            (underRetired && unreadable ? ` (unless it was signed with ${unreadable})` : '') +
            (crossing
              ? ' — the key changed here, so records before it, signed with a retired key, may have been edited and re-signed'
              : ''),
        );
      }
      if (r.action === ANCHOR_ACTION) {
        res.anchors++;
        const reason = (r.detail as { reason?: string } | undefined)?.reason;
        if (reason === 'head-missing' || reason === 'head-altered')
          res.warnings.push(
            `at record ${r.seq} (${r.at}) the head was ${reason === 'head-missing' ? 'missing' : 'altered'}: records removed before then cannot be ruled out here — compare with a server (--against SERVER/ENV)`,
          );
      }
      if (macOf !== undefined && r.seq === macOf) res.macAt = r.mac;
      fragmentBefore = false;
      prev = r.mac;
      expect = Math.max(expect, r.seq + 1);
      res.last = r;
      res.records++;
    }
    flushAltered();
    return res;
  }

  async verify(): Promise<AuditVerification> {
    const state = await this.readHead();
    if (state.kind === 'other-key') {
      const message = this.otherKeyMessage(state.keyId);
      return { ok: false, records: 0, tornTail: false, message, problems: [{ kind: 'key', message }] };
    }
    const head = state.kind === 'ok' ? state.head : null;
    const retired = await this.readRetired();
    const legacy = await this.legacy().catch(() => ({ keys: [] as LegacyKey[], unreadable: undefined }));
    const current = { key: this.key, id: this.keyId };
    const old = (retired?.keys ?? []).map((k) => ({ key: Buffer.from(k.key, 'hex'), id: k.id }));
    const scan = await this.scan(
      (seq) => (retired && seq < retired.before ? [current, ...old] : [current]),
      head?.seq,
      legacy.unreadable,
    );
    const problems = [...scan.problems];
    const last = scan.last?.seq ?? 0;
    const says = head
      ? `the head kept in ${this.headFile} says it held ${plural(head.seq, 'record')}, the last written ${head.at}`
      : '';
    if (state.kind === 'bad' || (state.kind === 'ok' && state.altered)) {
      problems.push({
        kind: 'head',
        message: `the audit head ${this.headFile} ${state.kind === 'bad' ? state.why : state.altered}: records removed from the log's end may go unseen`,
      });
    }
    if (state.kind === 'none') {
      if (scan.records > 0)
        problems.push({
          kind: 'head',
          message: `no head is kept for this log in ${this.headFile}: records removed from its end cannot be detected`,
        });
    } else if (head && head.seq > 0) {
      if (!scan.exists)
        problems.push({
          kind: 'deleted',
          seq: 1,
          to: head.seq,
          message: `log deleted: ${this.path} is gone; ${says}`,
        });
      else if (scan.records === 0 && !scan.torn)
        problems.push({ kind: 'emptied', seq: 1, to: head.seq, message: `log emptied: it holds no record; ${says}` });
      else if (last < head.seq) {
        if (scan.trailingFragment && last === head.seq - 1)
          problems.push({
            kind: 'cut',
            seq: head.seq,
            message: `last line cut: record ${head.seq} is incomplete; ${says}`,
          });
        else
          problems.push({
            kind: 'missing',
            seq: last + 1,
            to: head.seq,
            message: `${plural(head.seq - last, 'record')} missing after seq ${last} (${range(last + 1, head.seq)}); ${says}`,
          });
      } else if (scan.macAt !== undefined && scan.macAt !== head.mac && !scan.altered.has(head.seq))
        problems.push({
          kind: 'altered',
          seq: head.seq,
          message: `record ${head.seq} was altered or replaced: its MAC is not the one anchored in ${this.headFile}`,
        });
    }
    const tornTail = scan.torn;
    const notes = [
      ...(tornTail && problems.every((p) => p.kind !== 'cut')
        ? ['a line cut short (likely a crash while writing) was found and kept aside']
        : []),
      ...(head && last > head.seq && problems.length === 0
        ? [`${plural(last - head.seq, 'record')} after the anchored head (written just before a crash)`]
        : []),
      ...scan.warnings.map((w) => `warning: ${w}`),
    ];
    if (problems.length === 0)
      return {
        ok: true,
        records: scan.records,
        tornTail,
        message: [`${scan.records} record(s), chain intact${head ? ', ends at the anchored head' : ''}`, ...notes].join(
          '; ',
        ),
        problems: [],
        ...(scan.warnings.length ? { warnings: scan.warnings } : {}),
      };
    const first = problems[0]!;
    return {
      ok: false,
      records: scan.records,
      ...(first.seq !== undefined ? { brokenAt: first.seq } : {}),
      tornTail,
      message: [
        `the audit log does not verify (${plural(problems.length, 'problem')}):`,
        ...problems.map((p) => `  - ${p.message}`),
        ...notes.map((n) => `  (${n})`),
      ].join('\n'),
      problems,
      ...(scan.warnings.length ? { warnings: scan.warnings } : {}),
    };
  }
}
