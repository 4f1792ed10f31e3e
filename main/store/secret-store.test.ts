import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FlipdeckError } from '../../shared/errors';
import { EncryptedFileSecretStore, EnvSecretStore, Redactor, envVarFor, type Encryptor } from './secret-store';

// A reversible stand-in for safeStorage (XOR with a fixed pad): enough to prove no plain text reaches disk.
const fakeKeychain = (available: boolean): Encryptor => ({
  isEncryptionAvailable: () => available,
  encrypt: (p) => Buffer.from([...Buffer.from(p)].map((b) => b ^ 0x5a)),
  decrypt: (c) => Buffer.from([...c].map((b) => b ^ 0x5a)).toString(),
});

describe('secret stores', () => {
  it('headless: reads FLIPDECK_SECRET_<NAME> and refuses to store, saying how', async () => {
    const s = new EnvSecretStore({ [envVarFor('db.prod-pw')]: 'hunter22' });
    expect(envVarFor('db.prod-pw')).toBe('FLIPDECK_SECRET_DB_PROD_PW');
    expect(await s.get('db.prod-pw')).toBe('hunter22');
    expect(await s.get('other')).toBeUndefined();
    await expect(s.set('x', 'y')).rejects.toThrow(/FLIPDECK_SECRET_X/);
  });

  it('app: stores only ciphertext, and refuses when no keychain can encrypt', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-sec-'));
    const s = new EncryptedFileSecretStore(home, fakeKeychain(true));
    await s.set('db-password', 'correct horse battery');
    expect(await s.get('db-password')).toBe('correct horse battery');
    expect(readFileSync(path.join(home, 'secrets.json'), 'utf8')).not.toContain('correct horse');
    expect(await s.list()).toEqual(['db-password']);
    const locked = new EncryptedFileSecretStore(home, fakeKeychain(false));
    await expect(locked.set('x', 'plain')).rejects.toThrow(/never stores secrets in plain text/);
    await expect(s.get('../etc')).rejects.toThrow(/invalid secret name/);
  });

  it('redacts every known secret, longest first, deep in objects', () => {
    const r = new Redactor();
    r.add('s3cret-pw');
    r.add('s3cret-pw-longer');
    expect(r.redact('pw=s3cret-pw-longer and s3cret-pw, abc')).toBe('pw=«redacted» and «redacted», abc');
    const at = new Date(0);
    expect(r.redactDeep({ argv: ['--password', 's3cret-pw'], n: 1, at })).toEqual({
      argv: ['--password', '«redacted»'],
      n: 1,
      at,
    });
  });
});

// Issue 14, point 6: a secret leaks in the forms it takes in URLs, headers and configs too.
describe('redaction covers every form a secret takes', () => {
  const secret = 'p@ss w/rd+Ä:1';
  const r = new Redactor();
  r.add(secret);
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const b64url = (s: string) => Buffer.from(s).toString('base64url');

  it.each([
    ['raw', `password=${secret}`],
    ['encodeURIComponent (a URL)', `postgres://odoo:${encodeURIComponent(secret)}@db:5432/prod`],
    [
      'encodeURIComponent, lower-case hex',
      `url=${encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())}`,
    ],
    ['form encoding (+ for space)', `user=odoo&${new URLSearchParams({ password: secret }).toString()}&x=1`],
    ['encodeURI', `https://h/${encodeURI(secret)}`],
    ['inside a JSON document', JSON.stringify({ password: `${secret}"\\` })],
    ['base64, whole', `Authorization: Basic ${b64(secret)}`],
    ['base64, after "x" (offset 1)', `blob: ${b64(`x${secret}`)}`],
    ['base64, after "u:" (offset 2)', `Authorization: Basic ${b64(`u:${secret}`)}`],
    ['base64, after "ab:" (offset 0)', `Authorization: Basic ${b64(`ab:${secret}`)}`],
    ['base64, after "user:" (offset 5)', `Authorization: Basic ${b64(`user:${secret}`)}`],
    ['base64url', `token=${b64url(secret)}`],
    ['base64url, embedded', `token=${b64url(`{"pw":"${secret}"}`)}`],
  ])('%s', (_form, text) => {
    const out = r.redact(text);
    expect(out).toContain('«redacted»');
    expect(out).not.toContain(secret);
    expect(out).not.toContain(encodeURIComponent(secret));
    expect(out).not.toContain(b64(secret).slice(0, 12));
    expect(out).not.toContain(b64url(secret).slice(0, 12));
  });

  it('JSON-escaped (a quote or a backslash in the secret)', () => {
    const r4 = new Redactor();
    r4.add('pa"ss\\word1');
    const out = r4.redact(JSON.stringify({ env: { PASSWORD: 'pa"ss\\word1' } }));
    expect(out).toBe('{"env":{"PASSWORD":"«redacted»"}}');
  });

  it('is idempotent and leaves ordinary text alone', () => {
    const r2 = new Redactor();
    r2.add('redacted-but-longer');
    r2.add('another-secret');
    const once = r2.redact('x another-secret y');
    expect(r2.redact(once)).toBe(once);
    expect(r2.redact('a plain line with a, pw and ab')).toBe('a plain line with a, pw and ab');
  });

  it('refuses secrets shorter than 8 characters where they are read, naming them', async () => {
    // Redacting "a" would blank every "a" in every log; so a 1–7 character secret is refused instead.
    const env = new EnvSecretStore({ FLIPDECK_SECRET_PW: 'abc', FLIPDECK_SECRET_EMPTY: '' });
    await expect(env.get('pw')).rejects.toThrow(
      /the secret "pw" is 3 character\(s\) long; Flipdeck needs at least 8.*without blanking ordinary text/,
    );
    await expect(env.get('empty')).rejects.toThrow(/is 0 character\(s\) long/);
    const home = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-sec-'));
    const store = new EncryptedFileSecretStore(home, fakeKeychain(true));
    await expect(store.set('pw', 'a')).rejects.toThrow(/the secret "pw" is 1 character\(s\) long/);
    expect(() => new Redactor().add('abc')).toThrow(/shorter than 8 characters cannot be kept out of output/);
  });

  it('knows the secrets of its environment from the start', () => {
    const r3 = new Redactor();
    r3.addFromEnvironment({
      FLIPDECK_SECRET_SMTP: 'smtp-password-123',
      FLIPDECK_KEY_PASSPHRASE: 'open sesame',
      FLIPDECK_AUDIT_KEY: 'ab'.repeat(32),
      FLIPDECK_SECRET_SHORT: 'abc',
      HOME: '/home/ana',
    });
    expect(r3.redact('smtp-password-123 open sesame /home/ana abc')).toBe('«redacted» «redacted» /home/ana abc');
    expect(r3.size).toBe(3);
  });

  it('redacts errors: message, fix and detail', () => {
    const e = r.redactError(
      new FlipdeckError('remote_failed', `psql: password ${secret} rejected`, {
        fix: `not ${secret}`,
        detail: { argv: [secret] },
      }),
    );
    expect(e).toBeInstanceOf(FlipdeckError);
    expect(JSON.stringify((e as FlipdeckError).toWire())).not.toContain(secret);
    expect((r.redactError(new Error(`x ${secret}`)) as Error).message).toBe('x «redacted»');
  });
});
