// Where the audit log's key and its anchor (the head) live: one choice per home, made here by plain
// Node code that the app, the CLI and the browser host all run, so they all sign with the same key.
//
//   1. FLIPDECK_AUDIT_KEY (hex or base64, 32+ bytes): CI and other places where a secret comes from
//      the environment.
//   2. Otherwise a key file, created once (atomically, mode 0600) in a per-user directory outside the
//      home: <audit dir>/<hash of the home's real path>.key.
//
// The audit dir (FLIPDECK_AUDIT_DIR, else ~/.local/share/flipdeck/audit, ~/Library/Application
// Support/Flipdeck Audit or %LOCALAPPDATA%\Flipdeck Audit) also keeps each home's head: the last
// record's seq and MAC, so a log cut short, emptied or deleted is reported as such. Someone who can
// write the home but not that directory can neither re-sign the log nor hide its missing tail.
// Electron's safeStorage is not a source: the CLI cannot read it, and one home needs one key.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { link, mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FlipdeckError } from '../../shared/errors';
import { AuditLog, keyId, type LegacyKey } from './audit-log';
import { Redactor, type SecretStore } from './secret-store';

export interface AuditKey {
  key: Buffer;
  /** A fingerprint of the key (not the key): it names the key in messages and in the head. */
  id: string;
  source: 'env' | 'file';
  /** `FLIPDECK_AUDIT_KEY`, or the key file's path. */
  where: string;
  /** This process created the key file just now (a first run on this home). */
  created: boolean;
  /** When the key file was written (ms since the epoch); null for FLIPDECK_AUDIT_KEY. */
  since: number | null;
  /** Where this home's head and retired keys are kept: `${anchor}.head`, `${anchor}.retired`. */
  anchor: string;
  warnings: string[];
}

export function defaultAuditDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  homedir = os.homedir(),
): string {
  if (platform === 'darwin') return path.join(homedir, 'Library', 'Application Support', 'Flipdeck Audit');
  if (platform === 'win32')
    return path.join(env.LOCALAPPDATA ?? path.join(homedir, 'AppData', 'Local'), 'Flipdeck Audit');
  const data = env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : undefined;
  return path.join(data ?? path.join(homedir, '.local', 'share'), 'flipdeck', 'audit');
}

const KEY_FIX = 'generate one with: openssl rand -hex 32';

/** A key as hex (even length) or base64/base64url, at least 32 bytes; `what` names it in the error, never the value. */
export function parseAuditKey(text: string, what: string): Buffer {
  const t = text.trim();
  let key: Buffer | null = null;
  if (/^[0-9a-fA-F]+$/.test(t) && t.length % 2 === 0) key = Buffer.from(t, 'hex');
  else if (/^[A-Za-z0-9+/]+={0,2}$/.test(t) || /^[A-Za-z0-9_-]+$/.test(t)) {
    const url = /[-_]/.test(t);
    const decoded = Buffer.from(t, url ? 'base64url' : 'base64');
    const strip = (s: string) => s.replace(/=+$/, '');
    if (strip(decoded.toString(url ? 'base64url' : 'base64')) === strip(t)) key = decoded;
  }
  if (!key)
    throw new FlipdeckError('bad_input', `${what} is not hex or base64`, {
      fix: KEY_FIX,
    });
  if (key.length < 32)
    throw new FlipdeckError(
      'bad_input',
      `${what} must hold at least 32 bytes (64 hex characters); it holds ${key.length}`,
      { fix: KEY_FIX },
    );
  return key;
}

/** The directory itself or inside it, by real paths where they exist. */
function isInside(child: string, parent: string): boolean {
  const real = (p: string) => {
    const rest: string[] = [];
    let cur = path.resolve(p);
    for (;;) {
      try {
        return path.join(realpathSync.native(cur), ...rest.reverse());
      } catch {
        const up = path.dirname(cur);
        if (up === cur) return path.resolve(p);
        rest.push(path.basename(cur));
        cur = up;
      }
    }
  };
  const rel = path.relative(real(parent), real(child));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

async function readKeyFile(file: string): Promise<{ key: Buffer; since: number }> {
  const st = await stat(file);
  if (!st.isFile()) throw new FlipdeckError('store_corrupt', `the audit key ${file} is not a file`);
  if (process.platform !== 'win32') {
    if (process.getuid && st.uid !== process.getuid())
      throw new FlipdeckError('refused', `the audit key ${file} belongs to another user`, {
        fix: `only the user running Flipdeck may own it: chown it, or remove it to start a new key`,
      });
    if (st.mode & 0o077)
      throw new FlipdeckError(
        'refused',
        `the audit key ${file} can be read by other users (mode ${(st.mode & 0o777).toString(8)})`,
        { fix: `chmod 600 ${file}` },
      );
  }
  const text = (await readFile(file, 'utf8'))
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('#'))
    .join('');
  return { key: parseAuditKey(text, `the audit key in ${file}`), since: st.mtimeMs };
}

/** Creates the key file once: written whole under a temporary name, then linked into place (never half-written, never replaced). */
async function createKeyFileOnce(file: string, home: string): Promise<boolean> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const body =
    `# Flipdeck audit log key for ${home}\n` +
    `# Keep it private (mode 0600) and out of that directory: without it the log cannot be verified.\n` +
    `${randomBytes(32).toString('hex')}\n`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(body);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await link(tmp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // A file system without hard links: exclusive create (a reader may briefly see it short).
    const fb = await open(file, 'wx', 0o600).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'EEXIST') return null;
      throw e;
    });
    if (!fb) return false;
    try {
      await fb.writeFile(body);
      await fb.sync();
    } finally {
      await fb.close();
    }
    return true;
  } finally {
    await rm(tmp, { force: true });
  }
}

/**
 * The one function that decides a home's audit key, for the app, the CLI and the browser host alike.
 * `home` must exist (resolveHome creates it).
 */
export async function resolveAuditKey(o: {
  home: string;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  homedir?: string;
}): Promise<AuditKey> {
  const env = o.env ?? process.env;
  mkdirSync(o.home, { recursive: true, mode: 0o700 });
  const realHome = realpathSync.native(o.home);
  const homeHash = createHash('sha256').update(realHome).digest('hex').slice(0, 32);
  const warnings: string[] = [];
  const explicit = env.FLIPDECK_AUDIT_DIR;
  const dir = explicit ? path.resolve(explicit) : defaultAuditDir(env, o.platform, o.homedir);
  if (isInside(dir, realHome)) {
    if (explicit)
      throw new FlipdeckError('refused', `FLIPDECK_AUDIT_DIR (${dir}) is inside the Flipdeck home ${realHome}`, {
        fix: 'point FLIPDECK_AUDIT_DIR at a directory outside FLIPDECK_HOME: whoever copies the home must not get the key',
      });
    warnings.push(
      `the audit key directory ${dir} is inside the Flipdeck home ${realHome}: whoever copies the home gets the key; set FLIPDECK_AUDIT_DIR to a directory outside it`,
    );
  }
  const anchor = path.join(dir, homeHash);
  if (env.FLIPDECK_AUDIT_KEY) {
    const key = parseAuditKey(env.FLIPDECK_AUDIT_KEY, 'FLIPDECK_AUDIT_KEY');
    return {
      key,
      id: keyId(key),
      source: 'env',
      where: 'FLIPDECK_AUDIT_KEY',
      created: false,
      since: null,
      anchor,
      warnings,
    };
  }
  const file = `${anchor}.key`;
  let created = false;
  if (!existsSync(file)) {
    created = await createKeyFileOnce(file, realHome);
    if (created)
      warnings.push(
        `created this home's audit key in ${file} (mode 0600): keep it, or the audit log can no longer be verified`,
      );
  }
  const { key, since } = await readKeyFile(file);
  return { key, id: keyId(key), source: 'file', where: file, created, since, anchor, warnings };
}

/** Keys an earlier version signed this home's log with: audit.key beside the log, or the app's keychain entry. */
export async function legacyAuditKeys(
  home: string,
  secrets: SecretStore | undefined,
): Promise<{ keys: LegacyKey[]; unreadable?: string; warnings: string[] }> {
  const keys: LegacyKey[] = [];
  const warnings: string[] = [];
  const file = path.join(home, 'audit.key');
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (text !== null) {
    try {
      keys.push({ key: parseAuditKey(text, file), from: 'audit.key beside the log', file });
    } catch {
      warnings.push(`${file} is not an audit key (left as it is, not used)`);
    }
  }
  let unreadable: string | undefined;
  if (secrets?.canStore) {
    const hex = await secrets.get('audit-hmac-key').catch(() => undefined);
    if (hex && /^[0-9a-f]{64,}$/i.test(hex))
      keys.push({ key: Buffer.from(hex, 'hex'), from: "the app's keychain entry", late: true });
  } else {
    const stored = await readFile(path.join(home, 'secrets.json'), 'utf8').catch(() => '');
    if (stored.includes('"audit-hmac-key"'))
      unreadable =
        "the app's old keychain key, which only the Flipdeck app can read: open the app once and it adds that key";
  }
  return { keys, ...(unreadable ? { unreadable } : {}), warnings };
}

/** The audit log of a home, keyed and anchored, opened once (the first open of an older log verifies and moves it). */
export async function openAuditLog(o: {
  home: string;
  env?: NodeJS.ProcessEnv;
  secrets?: SecretStore;
  redactor?: Redactor;
  /**
   * For `audit --verify`: a lost or altered head, or a second key for this home, is reported by verify
   * instead of being anchored again (and recorded) or refused here.
   */
  verifyOnly?: boolean;
}): Promise<{ audit: AuditLog; key: AuditKey; warnings: string[] }> {
  const key = await resolveAuditKey({ home: o.home, ...(o.env ? { env: o.env } : {}) });
  const audit = new AuditLog({
    path: path.join(o.home, 'audit.log'),
    key: key.key,
    redactor: o.redactor ?? new Redactor(),
    anchor: key.anchor,
    keyWhere: key.where,
    // An older key file means this home had a head: a missing one was lost, not never written. (A key
    // another process created a moment ago may simply not have its head yet.)
    expectHead: key.since !== null && !key.created && Date.now() - key.since > 60_000,
    legacy: () => legacyAuditKeys(o.home, o.secrets),
  });
  const notices = await audit.open({ reanchor: !o.verifyOnly });
  // Before anything is done: an action this log cannot record must not happen at all.
  if (audit.keyConflict && !o.verifyOnly)
    throw new FlipdeckError('refused', audit.keyConflict, {
      fix: 'give the app and the CLI the same key source for this home (FLIPDECK_AUDIT_KEY for both, or for neither)',
    });
  return { audit, key, warnings: [...key.warnings, ...notices] };
}
