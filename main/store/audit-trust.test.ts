// The audit key's one source per home, and the head kept apart from the log (issue 14, point 3).
import { execFile } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../shared/model';
import { AuditLog, canonicalJson } from './audit-log';
import { defaultAuditDir, openAuditLog, parseAuditKey, resolveAuditKey } from './audit-trust';
import { defaultHome } from './home';
import { EncryptedFileSecretStore, EnvSecretStore, Redactor, type Encryptor } from './secret-store';

const dirs: string[] = [];
const tmp = (name: string) => {
  const d = mkdtempSync(path.join(os.tmpdir(), `flipdeck-${name}-`));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const keychain: Encryptor = {
  isEncryptionAvailable: () => true,
  encrypt: (plain) => Buffer.from(Buffer.from(plain, 'utf8').map((b) => b ^ 0x33)),
  decrypt: (cipher) => Buffer.from(cipher.map((b) => b ^ 0x33)).toString('utf8'),
};

describe('the audit key source', () => {
  it('takes FLIPDECK_AUDIT_KEY as hex or base64 (32+ bytes), and never echoes a bad value', async () => {
    const home = tmp('home');
    const env = { FLIPDECK_AUDIT_DIR: tmp('trust') };
    const raw = randomBytes(32);
    for (const text of [
      raw.toString('hex'),
      raw.toString('base64'),
      raw.toString('base64url'),
      ` ${raw.toString('hex')}\n`,
    ]) {
      const k = await resolveAuditKey({ home, env: { ...env, FLIPDECK_AUDIT_KEY: text } });
      expect(k.key.equals(raw)).toBe(true);
      expect(k.source).toBe('env');
    }
    for (const bad of ['abcd', 'zz-not a key!!', 'a'.repeat(65), randomBytes(16).toString('hex'), 'c2VjcmV0']) {
      const err = await resolveAuditKey({ home, env: { ...env, FLIPDECK_AUDIT_KEY: bad } }).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/FLIPDECK_AUDIT_KEY/);
      expect((err as Error).message).not.toContain(bad);
    }
    expect(() => parseAuditKey('00'.repeat(31), 'K')).toThrow(/at least 32 bytes/);
  });

  it('otherwise creates one 0600 key file per home, outside it, once — also when many processes start at once', async () => {
    const home = tmp('home');
    const trust = tmp('trust');
    const env = { FLIPDECK_AUDIT_DIR: trust };
    const all = await Promise.all(Array.from({ length: 8 }, () => resolveAuditKey({ home, env })));
    expect(new Set(all.map((k) => k.key.toString('hex'))).size).toBe(1);
    expect(all.filter((k) => k.created)).toHaveLength(1);
    const file = all[0]!.where;
    expect(path.dirname(file)).toBe(trust);
    expect(file.startsWith(home)).toBe(false);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain(`for ${home}`);
    const again = await resolveAuditKey({ home, env });
    expect(again).toMatchObject({ created: false, source: 'file', id: all[0]!.id });
    // Another home gets its own key.
    const other = await resolveAuditKey({ home: tmp('home2'), env });
    expect(other.id).not.toBe(again.id);
  });

  it('refuses a key file others can read, and an audit dir inside the home', async () => {
    const home = tmp('home');
    const trust = tmp('trust');
    const k = await resolveAuditKey({ home, env: { FLIPDECK_AUDIT_DIR: trust } });
    chmodSync(k.where, 0o644);
    await expect(resolveAuditKey({ home, env: { FLIPDECK_AUDIT_DIR: trust } })).rejects.toThrow(
      /chmod 600|other users/,
    );
    await expect(resolveAuditKey({ home, env: { FLIPDECK_AUDIT_DIR: path.join(home, 'keys') } })).rejects.toThrow(
      /inside the Flipdeck home/,
    );
    // The default directory, should a home be set around it, is used with a warning.
    const wide = tmp('wide');
    const w = await resolveAuditKey({ home: wide, env: { XDG_DATA_HOME: path.join(wide, 'data') }, platform: 'linux' });
    expect(w.warnings.join(' ')).toMatch(/inside the Flipdeck home/);
  });

  it('by default keeps keys outside the default home on every platform', () => {
    const env = {};
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      const home = defaultHome(env, platform, '/home/ana');
      const keys = defaultAuditDir(env, platform, '/home/ana');
      expect(path.relative(home, keys).startsWith('..')).toBe(true);
    }
    expect(defaultAuditDir({ XDG_DATA_HOME: '/d' }, 'linux', '/home/ana')).toBe('/d/flipdeck/audit');
    expect(defaultAuditDir({ XDG_DATA_HOME: 'relative' }, 'linux', '/home/ana')).toBe(
      '/home/ana/.local/share/flipdeck/audit',
    );
  });

  it('gives the same key to the app and the CLI: one function, one home, separate processes', async () => {
    const home = tmp('home');
    const env = { ...process.env, FLIPDECK_AUDIT_DIR: tmp('trust'), FLIPDECK_AUDIT_KEY: '' };
    const here = path.dirname(fileURLToPath(import.meta.url));
    const script = path.join(tmp('script'), 'key.mts');
    writeFileSync(
      script,
      `import { resolveAuditKey } from ${JSON.stringify(path.join(here, 'audit-trust.ts'))};
       console.log((await resolveAuditKey({ home: process.argv[2]! })).id);`,
    );
    const tsx = path.resolve(here, '../../node_modules/.bin/tsx');
    const run = () => promisify(execFile)(tsx, [script, home], { env }).then((r) => r.stdout.trim());
    const [a, b] = await Promise.all([run(), run()]);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(b).toBe(a);
    expect((await resolveAuditKey({ home, env })).id).toBe(a);
  }, 30_000);

  it('an app that signed with its keychain key: the CLI reports what it cannot check, the app adds that key', async () => {
    const home = tmp('home');
    const env = { FLIPDECK_AUDIT_DIR: tmp('trust') };
    // An earlier app version: its key in the encrypted secret store, the CLI's in audit.key.
    const appKey = randomBytes(32);
    const cliKey = randomBytes(32);
    const store = new EncryptedFileSecretStore(home, keychain);
    await store.set('audit-hmac-key', appKey.toString('hex'));
    writeFileSync(path.join(home, 'audit.key'), cliKey.toString('hex'), { mode: 0o600 });
    writeFileSync(path.join(home, 'audit.log'), legacy([appKey, cliKey, appKey]).join('\n') + '\n');

    const cli = await openAuditLog({ home, env, secrets: new EnvSecretStore({}) });
    expect(cli.warnings.join('\n')).toMatch(/does not verify/);
    const v1 = await cli.audit.verify();
    expect(v1.ok).toBe(false);
    expect(v1.message).toMatch(/records? 1.*altered.*only the Flipdeck app can read/);

    const app = await openAuditLog({ home, env, secrets: store });
    expect(app.warnings.join('\n')).toMatch(/added the app's keychain entry/);
    expect(await app.audit.verify()).toMatchObject({ ok: true, records: 4 });
    const cli2 = await openAuditLog({ home, env, secrets: new EnvSecretStore({}) });
    expect(await cli2.audit.verify()).toMatchObject({ ok: true, records: 4 });
  });

  it('an app-only home moves to the key file when the app opens it first', async () => {
    const home = tmp('home');
    const env = { FLIPDECK_AUDIT_DIR: tmp('trust') };
    const appKey = randomBytes(32);
    const store = new EncryptedFileSecretStore(home, keychain);
    await store.set('audit-hmac-key', appKey.toString('hex'));
    writeFileSync(path.join(home, 'audit.log'), legacy([appKey, appKey]).join('\n') + '\n');
    const app = await openAuditLog({ home, env, secrets: store });
    expect(app.warnings.join('\n')).toMatch(/verified with its earlier key \(the app's keychain entry\)/);
    await app.audit.append({ action: 'client.add', ok: true });
    const cli = await openAuditLog({ home, env, secrets: new EnvSecretStore({}) });
    expect(await cli.audit.verify()).toMatchObject({ ok: true, records: 4 });
  });
});

describe('the head kept apart from the log', () => {
  const key = randomBytes(32);
  const newLog = (dir = tmp('log'), k = key) =>
    new AuditLog({ path: path.join(dir, 'audit.log'), key: k, redactor: new Redactor(), actor: 'ana@laptop' });

  it('a head write lost in a crash leaves the previous head, and the record after it is accepted', async () => {
    const log = newLog();
    for (let i = 0; i < 2; i++) await log.append({ action: 'a', ok: true });
    const before = readFileSync(log.headFile);
    await log.append({ action: 'a', ok: true });
    writeFileSync(log.headFile, before); // record 3 reached the disk (fsync'd), its head did not
    const v = await log.verify();
    expect(v).toMatchObject({ ok: true, records: 3 });
    expect(v.message).toMatch(/1 record after the anchored head/);
    expect((await log.append({ action: 'b', ok: true })).seq).toBe(4);
    expect(await log.verify()).toMatchObject({ ok: true, records: 4 });
  });

  it('a head slot overwritten is reported; the next open anchors again and keeps a warning in the log', async () => {
    const log = newLog();
    for (let i = 0; i < 3; i++) await log.append({ action: 'a', ok: true });
    const buf = readFileSync(log.headFile);
    const newest = [0, 1].findIndex((i) => buf.toString('utf8', i * 512, (i + 1) * 512).includes('"seq":3'));
    buf.write('{"nothing here', newest * 512);
    writeFileSync(log.headFile, buf);
    // Rolled back to the older slot, the head would hide a removed last record: reported instead.
    writeFileSync(log.path, readFileSync(log.path, 'utf8').split('\n').slice(0, 2).join('\n') + '\n');
    const v = await log.verify();
    expect(v.ok).toBe(false);
    expect(v.message).toMatch(/head .* was altered/);
    const again = newLog(path.dirname(log.path));
    expect((await again.open()).join(' ')).toMatch(/was altered .*anchored again at record 3/);
    const after = await again.verify();
    expect(after).toMatchObject({ ok: true, records: 3 });
    expect(after.warnings?.join(' ')).toMatch(/head was altered/);
  });

  it('reports a head that was altered, and one written with another key (and then refuses to append)', async () => {
    const dir = tmp('log');
    const log = newLog(dir);
    await log.append({ action: 'a', ok: true });
    const saved = readFileSync(log.headFile);
    writeFileSync(log.headFile, saved.toString('utf8').replace(/"seq":1/g, '"seq":9'));
    expect((await log.verify()).message).toMatch(/head .* was altered/);
    writeFileSync(log.headFile, saved);
    const stranger = newLog(dir, randomBytes(32));
    expect((await stranger.verify()).message).toMatch(/signed with another key/);
    await expect(stranger.append({ action: 'b', ok: true })).rejects.toThrow(/another key/);
    expect(await log.verify()).toMatchObject({ ok: true, records: 1 });
  });

  it('a lost head is anchored again, and that stays in the log as a warning', async () => {
    const log = newLog();
    for (let i = 0; i < 2; i++) await log.append({ action: 'a', ok: true });
    rmSync(log.headFile);
    expect((await log.verify()).message).toMatch(/no head is kept/);
    // The key was there before (as a key file older than this run would be): the head was lost, not never written.
    const again = new AuditLog({
      path: log.path,
      key,
      redactor: new Redactor(),
      actor: 'ana@laptop',
      expectHead: true,
    });
    const notices = await again.open();
    expect(notices.join(' ')).toMatch(/was missing: anchored again at record 3/);
    const v = await again.verify();
    expect(v).toMatchObject({ ok: true, records: 3 });
    expect(v.warnings?.join(' ')).toMatch(/head was missing/);
  });

  it('verify does not create a deleted log, and list/record/head read it without holding it whole', async () => {
    const log = newLog();
    for (let i = 0; i < 5; i++) await log.append({ action: `a${i}`, ok: true, server: i % 2 ? 'odd' : 'even' });
    expect((await log.list({ limit: 2 })).map((r) => r.seq)).toEqual([5, 4]);
    expect((await log.list({ server: 'odd' })).map((r) => r.seq)).toEqual([4, 2]);
    expect((await log.record(3)).action).toBe('a2');
    expect(await log.head()).toMatchObject({ seq: 5 });
    expect(await log.macAt(5)).toBe((await log.head())!.mac);
    rmSync(log.path);
    expect((await log.verify()).message).toMatch(/log deleted/);
    expect(existsSync(log.path)).toBe(false);
  });

  it('a record moved, inserted or replaced by a line that is not one is named', async () => {
    const dir = tmp('log');
    mkdirSync(dir, { recursive: true });
    const log = newLog(dir);
    for (let i = 0; i < 5; i++) await log.append({ action: 'a', ok: true });
    const ls = readFileSync(log.path, 'utf8').split('\n').filter(Boolean);
    writeFileSync(log.path, [ls[0], ls[2], ls[1], ls[3], ls[4]].join('\n') + '\n');
    expect((await log.verify()).message).toMatch(/record 2 appears again after record 3|record 3 missing/);
    writeFileSync(log.path, [ls[0], ls[1], '{"seq":3,"act', ls[3], ls[4]].join('\n') + '\n');
    expect((await log.verify()).message).toMatch(/record 3 was cut short/);
  });
});

/** Records as an earlier version wrote them, each signed with the key given for it. */
function legacy(keys: Buffer[]): string[] {
  let prev = 'genesis';
  return keys.map((key, i) => {
    const rec = {
      action: 'client.add',
      ok: true,
      seq: i + 1,
      at: new Date().toISOString(),
      actor: 'ana@laptop',
      prev,
    } as Omit<AuditRecord, 'mac'>;
    const mac = createHmac('sha256', key).update(prev).update('\n').update(canonicalJson(rec)).digest('hex');
    prev = mac;
    return JSON.stringify({ ...rec, mac });
  });
}
