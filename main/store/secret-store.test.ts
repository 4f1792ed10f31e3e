import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
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
    r.add('abc'); // too short to redact safely
    r.add('s3cret');
    r.add('s3cret-longer');
    expect(r.redact('pw=s3cret-longer and s3cret, abc')).toBe('pw=«redacted» and «redacted», abc');
    expect(r.redactDeep({ argv: ['--password', 's3cret'], n: 1 })).toEqual({
      argv: ['--password', '«redacted»'],
      n: 1,
    });
  });
});
