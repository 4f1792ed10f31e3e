// `flipdeck audit --verify` against a hostile user of the home directory (issue 14, point 3): records
// removed from the end, the log emptied, deleted or its last line cut, a record edited and the chain
// re-signed with whatever key lies beside the log; the app and the CLI on one home; a corrupt inventory.
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../shared/model';
import { createHostServices } from '../host/services';
import { canonicalJson } from '../store/audit-log';
import { EncryptedFileSecretStore, type Encryptor } from '../store/secret-store';
import { main } from './index';

const VARS = ['FLIPDECK_HOME', 'FLIPDECK_AUDIT_DIR', 'FLIPDECK_AUDIT_KEY', 'XDG_DATA_HOME'] as const;
const saved: Partial<Record<(typeof VARS)[number], string>> = {};
let home: string;
let trust: string;

beforeEach(() => {
  for (const v of VARS) saved[v] = process.env[v];
  home = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-audit-home-'));
  trust = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-audit-trust-'));
  process.env.FLIPDECK_HOME = home;
  process.env.FLIPDECK_AUDIT_DIR = trust;
  process.env.XDG_DATA_HOME = trust; // never the real user's directory, whatever the code picks
  delete process.env.FLIPDECK_AUDIT_KEY;
});

afterEach(() => {
  for (const v of VARS) {
    if (saved[v] === undefined) delete process.env[v];
    else process.env[v] = saved[v];
  }
  rmSync(home, { recursive: true, force: true });
  rmSync(trust, { recursive: true, force: true });
});

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A fake OS keychain, as the app has through Electron's safeStorage. */
const keychain: Encryptor = {
  isEncryptionAvailable: () => true,
  encrypt: (plain) => Buffer.from(Buffer.from(plain, 'utf8').map((b) => b ^ 0x5a)),
  decrypt: (cipher) => Buffer.from(cipher.map((b) => b ^ 0x5a)).toString('utf8'),
};

/** `n` local actions recorded through the host services, as the CLI (or the app) runs them. */
async function act(n: number, as: 'cli' | 'app' = 'cli', prefix = 'client') {
  const s = await createHostServices({
    home,
    env: process.env,
    ...(as === 'app'
      ? { transport: 'electron' as const, secrets: new EncryptedFileSecretStore(home, keychain) }
      : { transport: 'cli' as const }),
  });
  try {
    for (let i = 0; i < n; i++)
      await s.handlers['clients.add']({ name: `${prefix} ${as} ${i}`, tags: [] }, { transport: 'cli' } as never);
  } finally {
    await s.close();
  }
}

const logFile = () => path.join(home, 'audit.log');
const logLines = () => readFileSync(logFile(), 'utf8').split('\n').filter(Boolean);

describe('audit --verify against a hostile home directory', () => {
  it('an intact log verifies', async () => {
    await act(3);
    const r = await cli('audit', '--verify');
    expect(r.out).toMatch(/3 record\(s\), chain intact/);
    expect(r.code).toBe(0);
  });

  it('reports the newest records deleted', async () => {
    await act(5);
    writeFileSync(logFile(), logLines().slice(0, 3).join('\n') + '\n');
    const r = await cli('audit', '--verify');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/2 records? missing after seq 3/);
  });

  it('reports the log emptied', async () => {
    await act(3);
    writeFileSync(logFile(), '');
    const r = await cli('audit', '--verify');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/log emptied/);
    expect(r.out).toMatch(/3 records/);
  });

  it('reports the log deleted', async () => {
    await act(3);
    rmSync(logFile());
    const r = await cli('audit', '--verify');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/log deleted/);
  });

  it('reports the last line cut, not a harmless crash', async () => {
    await act(3);
    const size = readFileSync(logFile()).length;
    truncateSync(logFile(), size - 20);
    const r = await cli('audit', '--verify');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/last line cut: record 3/);
  });

  it('a deleted tail stays reported after the next append', async () => {
    await act(5);
    writeFileSync(logFile(), logLines().slice(0, 3).join('\n') + '\n');
    await act(1, 'cli', 'later');
    const r = await cli('audit', '--verify');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/records? 4.5 missing/);
  });

  it('reports the head deleted (verify does not paper over it); the next action anchors again, with a warning kept', async () => {
    await act(3);
    const heads = readdirSync(trust).filter((f) => f.endsWith('.head'));
    for (const f of heads) rmSync(path.join(trust, f));
    const r = await cli('audit', '--verify');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/no head is kept/);
    await act(1, 'cli', 'later');
    const after = await cli('audit', '--verify');
    expect(after.code).toBe(0);
    expect(after.out).toMatch(/warning: at record 4 .*the head was missing/);
  });

  it('refuses a second key for one home (FLIPDECK_AUDIT_KEY in one process only), naming both', async () => {
    await act(2);
    process.env.FLIPDECK_AUDIT_KEY = randomBytes(32).toString('hex');
    const r = await cli('audit', '--verify');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /signed with another key \([0-9a-f]{16}\) than this process's \([0-9a-f]{16}, from FLIPDECK_AUDIT_KEY\)/,
    );
    // Refused before any action: nothing happens that the log cannot record.
    await expect(act(1, 'cli', 'other')).rejects.toThrow(/another key/);
    expect(readFileSync(path.join(home, 'inventory.json'), 'utf8')).not.toContain('other cli 0');
    delete process.env.FLIPDECK_AUDIT_KEY;
    expect((await cli('audit', '--verify')).out).toMatch(/2 record\(s\), chain intact/);
  });

  it('reports a record edited and the chain re-signed with the key found beside the log', async () => {
    await act(4);
    const besideTheLog = path.join(home, 'audit.key');
    const key = existsSync(besideTheLog)
      ? Buffer.from(readFileSync(besideTheLog, 'utf8').trim(), 'hex')
      : randomBytes(32); // nothing there: the attacker's best guess
    writeFileSync(logFile(), resign(logLines(), key, 2) + '\n');
    const r = await cli('audit', '--verify');
    expect(r.code).toBe(1);
    // Every record now carries a MAC the home's key did not make.
    expect(r.out).toMatch(/records 1–4 were altered/);
  });

  it('moves an existing log off its key beside the log, and a re-signing with that old key is reported', async () => {
    // A home written by an earlier version: the key in audit.key beside the log.
    const oldKey = randomBytes(32);
    writeFileSync(path.join(home, 'audit.key'), oldKey.toString('hex'), { mode: 0o600 });
    writeFileSync(logFile(), legacyLog(oldKey, 3).join('\n') + '\n', { mode: 0o600 });
    const first = await cli('audit', '--verify');
    expect(first.code).toBe(0);
    expect(first.err).toMatch(/verified .*audit\.key/);
    expect(existsSync(path.join(home, 'audit.key'))).toBe(false);
    await act(2);
    // The attacker kept a copy of audit.key: edit record 2 and re-sign everything with it.
    writeFileSync(logFile(), resign(logLines(), oldKey, 2) + '\n');
    const r = await cli('audit', '--verify');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/altered/);
    expect(r.out).toMatch(/record 4/); // the record where the key changed no longer matches
  });

  it('never accepts an unverifiable old log silently', async () => {
    const oldKey = randomBytes(32);
    writeFileSync(path.join(home, 'audit.key'), oldKey.toString('hex'), { mode: 0o600 });
    const recs = legacyLog(oldKey, 3);
    const edited = JSON.parse(recs[1]!) as AuditRecord;
    edited.action = 'nothing.happened';
    recs[1] = JSON.stringify(edited);
    writeFileSync(logFile(), recs.join('\n') + '\n', { mode: 0o600 });
    const r = await cli('audit', '--verify');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/record 2 was altered/);
    const again = await cli('audit', '--verify');
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/record 2 was altered/);
  });

  it('the app and the CLI use one key on one home: each verifies the other', async () => {
    await act(2, 'app', 'first');
    await act(2, 'cli', 'second');
    await act(1, 'app', 'third');
    const r = await cli('audit', '--verify');
    expect(r.out).toMatch(/5 record\(s\), chain intact/);
    expect(r.code).toBe(0);
    const app = await createHostServices({
      home,
      env: process.env,
      transport: 'electron',
      secrets: new EncryptedFileSecretStore(home, keychain),
    });
    try {
      expect(await app.handlers['audit.verify']({}, { transport: 'electron' } as never)).toMatchObject({
        ok: true,
        records: 5,
      });
    } finally {
      await app.close();
    }
  });

  it('a corrupt inventory does not block audit --verify, and repeated runs pile up nothing', async () => {
    await act(2);
    writeFileSync(path.join(home, 'inventory.json'), '{ "version": 1, "clients": [ oops');
    for (let i = 0; i < 3; i++) {
      const r = await cli('audit', '--verify');
      expect(r.out).toMatch(/2 record\(s\), chain intact/);
      expect(r.code).toBe(0);
    }
    expect(readdirSync(home).filter((f) => f.includes('corrupt'))).toHaveLength(0);
    // --against needs the inventory: the local result still comes first, then why the comparison failed.
    const against = await cli('audit', '--verify', '--against', 'acme/prod');
    expect(against.code).toBe(1);
    expect(against.out).toMatch(
      /2 record\(s\), chain intact[^]*cannot compare with acme\/prod: .*inventory\.json is not valid JSON/,
    );
  });
});

/** Records as an earlier version wrote them: chained with HMAC-SHA256 under `key`, no head anywhere. */
function legacyLog(key: Buffer, n: number): string[] {
  const out: string[] = [];
  let prev = 'genesis';
  for (let seq = 1; seq <= n; seq++) {
    const base = { action: 'client.add', ok: true, detail: { name: `old ${seq}` }, seq, at: new Date().toISOString() };
    const rec = { ...base, actor: 'ana@laptop', prev };
    const mac = createHmac('sha256', key).update(prev).update('\n').update(canonicalJson(rec)).digest('hex');
    out.push(JSON.stringify({ ...rec, mac }));
    prev = mac;
  }
  return out;
}

/** Edits record `seq` and re-signs the whole chain with `key`, as someone holding that key would. */
function resign(lines: string[], key: Buffer, seq: number): string {
  let prev = 'genesis';
  return lines
    .map((l) => {
      const r = JSON.parse(l) as AuditRecord;
      if (r.seq === seq) r.detail = { ...(r.detail ?? {}), name: 'someone else' };
      const { mac: _old, ...rest } = r;
      const rec = { ...rest, prev };
      const mac = createHmac('sha256', key).update(prev).update('\n').update(canonicalJson(rec)).digest('hex');
      prev = mac;
      return JSON.stringify({ ...rec, mac });
    })
    .join('\n');
}
