// The contract's secret channels (issue 14, point 7): the value goes in and never comes back out —
// not in an answer, not in an error, not in the audit log — and bad input is refused before any handler.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SecretStatus } from '../../../shared/model';
import { dispatch } from '../dispatch';
import { createHostServices, type HostServices } from '../services';
import { localSecretStore } from '../../store/local-secret-store';

const VALUE = 'Sm7p-secret/value+42';
const AUDIT_KEY = 'a1'.repeat(32);
let home = '';
let services: HostServices;

async function open(extraEnv: Record<string, string> = {}) {
  services = await createHostServices({
    home,
    transport: 'browser',
    env: { FLIPDECK_AUDIT_KEY: AUDIT_KEY, FLIPDECK_AUDIT_DIR: `${home}-audit`, ...extraEnv },
  });
  return services;
}

const call = (channel: string, request: unknown) =>
  dispatch(services.handlers, channel, request, { transport: 'test' });

async function ok<T>(channel: string, request: unknown): Promise<T> {
  const r = await call(channel, request);
  if (!r.ok) throw new Error(`${channel}: ${r.error.message}`);
  return r.value as T;
}

/** The lab-like environment that needs two secrets: an SMTP password and an external database's. */
async function applyEnvironment() {
  const client = await ok<{ id: string }>('clients.add', { name: 'Acme' });
  await ok('servers.add', { clientId: client.id, name: 'lab', host: '10.0.0.5', user: 'deploy' });
  await services.environments.apply({
    server: 'lab',
    name: 'shop',
    image: 'odoo:17',
    public_bind: '127.0.0.1:18100',
    env: { SMTP_PASSWORD: { secret: 'smtp_pw' }, SMTP_USER: 'mailer' },
    db: { host: 'db.example', user: 'odoo', name: 'shop', password: { secret: 'extdb_pw' } },
  });
}

beforeEach(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-secrets-'));
});
afterEach(async () => {
  await services?.close();
  rmSync(home, { recursive: true, force: true });
  rmSync(`${home}-audit`, { recursive: true, force: true });
});

describe('secrets.* channels', () => {
  it('refuses bad names, empty and too-short values before any handler runs, without echoing the value', async () => {
    await open();
    for (const [request, field] of [
      [{ name: '../etc/passwd', value: VALUE }, /name: secret names are/],
      [{ name: '', value: VALUE }, /name: /],
      [{ name: 'smtp_pw', value: '' }, /value: is empty/],
      [{ name: 'smtp_pw', value: 'short7!' }, /value: must be at least 8 characters/],
      [{ name: 'smtp_pw' }, /value: /],
      [{ name: 'smtp_pw', value: VALUE, extra: 1 }, /extra/],
      [{ name: 'smtp_pw', value: 'x'.repeat(16 * 1024 + 1) }, /at most 16 KiB/],
    ] as const) {
      const r = await call('secrets.set', request);
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.error.code).toBe('bad_input');
      expect(r.error.message).toMatch(field);
      expect(JSON.stringify(r.error)).not.toContain('short7!');
    }
    expect((await call('secrets.remove', { name: 'a b' })).ok).toBe(false);
    expect((await call('secrets.list', { server: 'lab' })).ok).toBe(false);
    expect(await localSecretStore(home, { FLIPDECK_AUDIT_KEY: AUDIT_KEY }).list()).toEqual([]);
  });

  it('lists the secrets an environment refers to, set or not and from where, never a value', async () => {
    await open({ FLIPDECK_SECRET_EXTDB_PW: 'db-password-from-ci' });
    await applyEnvironment();
    const before = await ok<SecretStatus[]>('secrets.list', { server: 'lab', env: 'shop' });
    expect(before).toEqual([
      {
        name: 'smtp_pw',
        set: false,
        source: null,
        where: null,
        usedBy: ['env SMTP_PASSWORD'],
        envVar: 'FLIPDECK_SECRET_SMTP_PW',
      },
      {
        name: 'extdb_pw',
        set: true,
        source: 'environment',
        where: 'FLIPDECK_SECRET_EXTDB_PW',
        usedBy: ['db.password'],
        envVar: 'FLIPDECK_SECRET_EXTDB_PW',
      },
    ]);

    const set = await ok<SecretStatus>('secrets.set', { name: 'smtp_pw', value: VALUE });
    expect(set).toMatchObject({ name: 'smtp_pw', set: true, source: 'local-store', where: 'the local secret store' });
    const after = await ok<SecretStatus[]>('secrets.list', { server: 'lab', env: 'shop' });
    expect(after[0]).toMatchObject({ name: 'smtp_pw', set: true, source: 'local-store' });
    const everything = await ok<SecretStatus[]>('secrets.list', {});
    expect(everything.map((s) => [s.name, s.source])).toEqual([
      ['extdb_pw', 'environment'],
      ['smtp_pw', 'local-store'],
    ]);
    for (const answer of [set, after, everything]) {
      expect(JSON.stringify(answer)).not.toContain(VALUE);
      expect(JSON.stringify(answer)).not.toContain('db-password-from-ci');
    }

    // The CLI reads what the browser host stored: the same file, the same key source.
    expect(await localSecretStore(home, { FLIPDECK_AUDIT_KEY: AUDIT_KEY }).get('smtp_pw')).toBe(VALUE);
  });

  it('records every set and remove in the audit log by name, never the value', async () => {
    await open();
    await ok('secrets.set', { name: 'smtp_pw', value: VALUE });
    await ok('secrets.set', { name: 'smtp_pw', value: `${VALUE}-rotated` });
    const removed = await ok<SecretStatus>('secrets.remove', { name: 'smtp_pw' });
    expect(removed).toMatchObject({ name: 'smtp_pw', set: false, source: null });
    const records = await ok<{ action: string; detail?: Record<string, unknown>; ok: boolean }[]>('audit.list', {
      kinds: ['secret'],
    });
    expect(records.map((r) => [r.action, r.detail, r.ok])).toEqual(
      expect.arrayContaining([
        ['secret.set', { secret: 'smtp_pw' }, true],
        ['secret.remove', { secret: 'smtp_pw' }, true],
      ]),
    );
    const log = readFileSync(path.join(home, 'audit.log'), 'utf8');
    expect(log).toContain('"secret.set"');
    for (const form of [VALUE, encodeURIComponent(VALUE), Buffer.from(VALUE).toString('base64').slice(0, 12)])
      expect(log).not.toContain(form);
  });
});

describe('a deploy says where each secret came from', () => {
  it('resolveEnv reports each secret with its source, the CI variable before the stored value', async () => {
    await open({ FLIPDECK_SECRET_EXTDB_PW: 'db-password-from-ci' });
    await applyEnvironment();
    await ok('secrets.set', { name: 'smtp_pw', value: VALUE });
    const environment = await services.environments.get('lab', 'shop');
    const seen: string[] = [];
    const env = await services.deployments.resolveEnv(environment, (name, where) => seen.push(`${name}: ${where}`));
    expect(env).toEqual({ SMTP_PASSWORD: VALUE, SMTP_USER: 'mailer' });
    expect(seen).toEqual(['smtp_pw: the local secret store']);
    // And the stored value is redacted from everything shown from now on.
    expect(services.redact(`password=${VALUE}`)).toBe('password=«redacted»');
  });
});
