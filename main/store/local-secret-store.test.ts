// The local secret store the app, the CLI and the browser host share (issue 14, point 7): values
// encrypted under a sub-key of the audit key, never plain text on disk, a wrong key named by its source.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FlipdeckError } from '../../shared/errors';
import {
  deriveSecretKey,
  LocalSecretStore,
  localSecretStore,
  SECRET_STORE_FILE,
  type SecretKeySource,
} from './local-secret-store';
import { EnvSecretStore, LayeredSecretStore, envVarFor } from './secret-store';

const roots: string[] = [];
const tmp = (prefix: string) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  roots.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of roots) rmSync(dir, { recursive: true, force: true });
});

const envKey = (hex: string): (() => Promise<SecretKeySource>) => {
  return async () => ({ key: Buffer.from(hex, 'hex'), source: 'env', where: 'FLIPDECK_AUDIT_KEY' });
};
const KEY_A = 'ab'.repeat(32);
const KEY_B = 'cd'.repeat(32);
const VALUE = 'correct horse battery staple';

async function caught(p: Promise<unknown>): Promise<FlipdeckError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FlipdeckError);
  return err as FlipdeckError;
}

describe('local secret store', () => {
  it('round trip: what is set is read back, by name, and listed without its value', async () => {
    const home = tmp('flipdeck-sec-');
    const store = new LocalSecretStore(home, envKey(KEY_A));
    await store.set('extdb_pw', VALUE);
    await store.set('smtp.password', 'ünïcödé-🔑-value');
    expect(await store.get('extdb_pw')).toBe(VALUE);
    expect(await new LocalSecretStore(home, envKey(KEY_A)).get('smtp.password')).toBe('ünïcödé-🔑-value');
    expect(await store.find('extdb_pw')).toEqual({
      value: VALUE,
      source: 'local-store',
      where: 'the local secret store',
    });
    expect(await store.list()).toEqual(['extdb_pw', 'smtp.password']);
    expect(await store.get('unset')).toBeUndefined();
    // A name that is a property of every object is just not set.
    expect(await store.get('constructor')).toBeUndefined();
    await store.set('extdb_pw', 'rotated-password-2');
    expect(await store.get('extdb_pw')).toBe('rotated-password-2');
    await store.delete('extdb_pw');
    expect(await store.get('extdb_pw')).toBeUndefined();
    expect(await store.list()).toEqual(['smtp.password']);
  });

  it('never writes the value to disk in any form; the file is 0600 and written atomically', async () => {
    const home = tmp('flipdeck-sec-');
    const store = new LocalSecretStore(home, envKey(KEY_A));
    await store.set('extdb_pw', VALUE);
    await store.set('extdb_pw', VALUE); // a rewrite too
    const file = path.join(home, SECRET_STORE_FILE);
    const text = readFileSync(file, 'utf8');
    for (const form of [
      VALUE,
      'horse battery',
      Buffer.from(VALUE).toString('base64').slice(0, 16),
      Buffer.from(VALUE).toString('hex').slice(0, 16),
      encodeURIComponent(VALUE),
    ])
      expect(text).not.toContain(form);
    // Nor the keys: neither the audit key nor the derived one.
    expect(text).not.toContain(KEY_A);
    expect(text).not.toContain(deriveSecretKey(Buffer.from(KEY_A, 'hex')).toString('base64'));
    const parsed = JSON.parse(text) as { cipher: string; kdf: string; secrets: Record<string, { iv: string }> };
    expect(parsed).toMatchObject({ version: 1, cipher: 'aes-256-gcm', kdf: 'hkdf-sha256' });
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    // No temporary file left beside it.
    expect(readdirSync(home).filter((f) => f.includes('.tmp'))).toEqual([]);
    // A new IV for every write: the same value twice never gives the same ciphertext.
    const first = parsed.secrets.extdb_pw!.iv;
    await store.set('extdb_pw', VALUE);
    const again = JSON.parse(readFileSync(file, 'utf8')) as typeof parsed;
    expect(again.secrets.extdb_pw!.iv).not.toBe(first);
  });

  it('encrypts with an HKDF sub-key of the audit key, never the audit key itself', () => {
    const audit = Buffer.from(KEY_A, 'hex');
    const derived = deriveSecretKey(audit);
    expect(derived).toHaveLength(32);
    expect(derived.equals(audit.subarray(0, 32))).toBe(false);
    expect(deriveSecretKey(audit).equals(derived)).toBe(true);
    expect(deriveSecretKey(Buffer.from(KEY_B, 'hex')).equals(derived)).toBe(false);
  });

  it('a process with another key fails clearly, naming where its key comes from, and changes nothing', async () => {
    const home = tmp('flipdeck-sec-');
    await new LocalSecretStore(home, envKey(KEY_A)).set('extdb_pw', VALUE);
    const before = readFileSync(path.join(home, SECRET_STORE_FILE), 'utf8');

    // The other process has no FLIPDECK_AUDIT_KEY: its key is a key file outside the home.
    const auditDir = tmp('flipdeck-sec-audit-');
    const other = localSecretStore(home, { FLIPDECK_AUDIT_DIR: auditDir });
    const read = await caught(other.get('extdb_pw'));
    expect(read.code).toBe('refused');
    expect(read.message).toMatch(/written with another key/);
    expect(read.message).toContain(`the key file ${auditDir}`);
    expect(read.fix).toMatch(/FLIPDECK_AUDIT_KEY/);
    const write = await caught(other.set('smtp_pw', 'another-value-1'));
    expect(write.message).toMatch(/written with another key/);
    expect(readFileSync(path.join(home, SECRET_STORE_FILE), 'utf8')).toBe(before);

    // And the other way round: the message names FLIPDECK_AUDIT_KEY.
    const home2 = tmp('flipdeck-sec-');
    await localSecretStore(home2, { FLIPDECK_AUDIT_DIR: auditDir }).set('extdb_pw', VALUE);
    const viaEnv = await caught(new LocalSecretStore(home2, envKey(KEY_B)).get('extdb_pw'));
    expect(viaEnv.message).toMatch(/comes from FLIPDECK_AUDIT_KEY/);
  });

  it('an altered value, or one moved under another name, does not decrypt: store_corrupt, naming the key source', async () => {
    const home = tmp('flipdeck-sec-');
    const store = new LocalSecretStore(home, envKey(KEY_A));
    await store.set('extdb_pw', VALUE);
    const file = path.join(home, SECRET_STORE_FILE);
    const data = JSON.parse(readFileSync(file, 'utf8')) as { secrets: Record<string, { data: string }> };
    const entry = data.secrets.extdb_pw!;
    // Moved under another name (GCM's additional data binds it to its name).
    writeFileSync(file, JSON.stringify({ ...data, secrets: { ...data.secrets, smtp_pw: entry } }));
    const moved = await caught(store.get('smtp_pw'));
    expect(moved.code).toBe('store_corrupt');
    expect(moved.message).toMatch(/does not decrypt with the key from FLIPDECK_AUDIT_KEY/);
    // Altered in place.
    const bytes = Buffer.from(entry.data, 'base64');
    bytes[0] = bytes[0]! ^ 1;
    writeFileSync(
      file,
      JSON.stringify({ ...data, secrets: { extdb_pw: { ...entry, data: bytes.toString('base64') } } }),
    );
    expect((await caught(store.get('extdb_pw'))).code).toBe('store_corrupt');
  });

  it('refuses an empty value, one too short to redact, and a bad name, storing nothing', async () => {
    const home = tmp('flipdeck-sec-');
    const store = new LocalSecretStore(home, envKey(KEY_A));
    expect((await caught(store.set('smtp_pw', ''))).message).toMatch(/"smtp_pw" is empty/);
    const short = await caught(store.set('smtp_pw', 'short'));
    expect(short.message).toMatch(/"smtp_pw" is 5 character\(s\) long; Flipdeck needs at least 8/);
    expect(short.message).not.toContain('short"');
    expect((await caught(store.set('../etc', VALUE))).message).toMatch(/invalid secret name/);
    expect(await store.list()).toEqual([]);
  });
});

describe('the order every process reads secrets in', () => {
  it('FLIPDECK_SECRET_<NAME> first (CI overrides), then the local store; each found says where from', async () => {
    const home = tmp('flipdeck-sec-');
    const local = new LocalSecretStore(home, envKey(KEY_A));
    await local.set('extdb_pw', VALUE);
    await local.set('smtp_pw', 'stored-smtp-password');
    const env = { [envVarFor('extdb_pw')]: 'from-ci-variable' };
    const secrets = new LayeredSecretStore([new EnvSecretStore(env), local]);
    expect(await secrets.find('extdb_pw')).toEqual({
      value: 'from-ci-variable',
      source: 'environment',
      where: 'FLIPDECK_SECRET_EXTDB_PW',
    });
    expect(await secrets.find('smtp_pw')).toMatchObject({ source: 'local-store', where: 'the local secret store' });
    expect(secrets.canStore).toBe(true);
    await secrets.set('new_one', 'a-new-stored-value');
    expect(await local.get('new_one')).toBe('a-new-stored-value');
    await secrets.delete('extdb_pw');
    // Removed from the store; the variable is the process's and still answers.
    expect(await local.get('extdb_pw')).toBeUndefined();
    expect(await secrets.get('extdb_pw')).toBe('from-ci-variable');
    expect(await secrets.list()).toEqual(['extdb_pw', 'new_one', 'smtp_pw']);
  });
});
