import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../shared/model';
import { AuditLog, auditKey, canonicalJson } from './audit-log';
import { EnvSecretStore, Redactor } from './secret-store';

const key = randomBytes(32);
const newLog = (redactor = new Redactor()) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-audit-'));
  return new AuditLog({ path: path.join(dir, 'audit.log'), key, redactor, actor: 'ana@laptop' });
};
const lines = (log: AuditLog) => readFileSync(log.path, 'utf8').split('\n').filter(Boolean);

describe('audit log', () => {
  it('appends chained records and verifies them', async () => {
    const log = newLog();
    await log.append({ action: 'server.add', ok: true, server: 'prod', detail: { host: 'h' } });
    const r2 = await log.append({
      action: 'exec',
      ok: false,
      argv: ['docker', 'ps'],
      exitCode: 1,
      output: 'boom',
      durationMs: 12,
    });
    expect(r2).toMatchObject({ seq: 2, actor: 'ana@laptop' });
    expect(r2.prev).toBe((JSON.parse(lines(log)[0]!) as AuditRecord).mac);
    expect(await log.verify()).toMatchObject({ ok: true, records: 2, tornTail: false });
    expect((await log.list({ server: 'prod' })).map((r) => r.action)).toEqual(['server.add']);
  });

  it('detects an edited record, even when the editor recomputes a plain hash chain', async () => {
    const log = newLog();
    for (let i = 0; i < 3; i++) await log.append({ action: 'exec', ok: true, output: `out ${i}` });
    const recs = lines(log).map((l) => JSON.parse(l) as AuditRecord);
    recs[1]!.output = 'nothing to see';
    writeFileSync(log.path, recs.map((r) => JSON.stringify(r)).join('\n') + '\n');
    expect(await log.verify()).toMatchObject({ ok: false, brokenAt: 2 });
    // Re-chain with SHA-256 (what an editor without the key could do): still refused.
    let prev = 'genesis';
    for (const r of recs) {
      const { mac: _m, ...rest } = r;
      r.prev = prev;
      r.mac = createHash('sha256')
        .update(prev)
        .update(canonicalJson({ ...rest, prev }))
        .digest('hex');
      prev = r.mac;
    }
    writeFileSync(log.path, recs.map((r) => JSON.stringify(r)).join('\n') + '\n');
    expect(await log.verify()).toMatchObject({ ok: false, brokenAt: 1 });
  });

  it('survives a torn last line: reported, and the next append starts on a fresh line', async () => {
    const log = newLog();
    await log.append({ action: 'a', ok: true });
    appendFileSync(log.path, '{"seq":2,"at":"2026-11-2');
    const v = await log.verify();
    expect(v).toMatchObject({ ok: true, records: 1, tornTail: true });
    expect(v.message).toMatch(/cut short/);
    const r = await log.append({ action: 'b', ok: true });
    expect(r.seq).toBe(2);
    expect(lines(log)).toHaveLength(3);
    expect(await log.verify()).toMatchObject({ ok: true, records: 2, tornTail: true });
  });

  it('never writes a secret value, and moves large output to a side file', async () => {
    const redactor = new Redactor();
    redactor.add('TopSecret-Passw0rd');
    const log = newLog(redactor);
    await log.append({
      action: 'exec',
      ok: true,
      argv: ['psql', 'password=TopSecret-Passw0rd'],
      output: 'echo TopSecret-Passw0rd',
      detail: { env: { PW: 'TopSecret-Passw0rd' } },
    });
    expect(readFileSync(log.path, 'utf8')).not.toContain('TopSecret-Passw0rd');
    const big = await log.append({ action: 'build', ok: true, output: 'x'.repeat(200_000) });
    expect(big.outputRef).toMatch(/^audit-output\//);
    expect(readFileSync(path.join(path.dirname(log.path), big.outputRef!), 'utf8')).toHaveLength(200_000);
    expect(await log.verify()).toMatchObject({ ok: true, records: 2 });
  });

  it('serialises appends from two processes at once', async () => {
    const log = newLog();
    const here = path.dirname(fileURLToPath(import.meta.url));
    const script = path.join(path.dirname(log.path), 'append.mts');
    writeFileSync(
      script,
      `
      import { AuditLog } from ${JSON.stringify(path.join(here, 'audit-log.ts'))};
      import { Redactor } from ${JSON.stringify(path.join(here, 'secret-store.ts'))};
      const log = new AuditLog({ path: process.argv[2]!, key: Buffer.from(process.argv[3]!, 'hex'), redactor: new Redactor(), actor: process.argv[4]! });
      for (let i = 0; i < 50; i++) await log.append({ action: 'exec', ok: true, output: String(i) });
    `,
    );
    const tsx = path.resolve(here, '../../node_modules/.bin/tsx');
    const runOne = (who: string) =>
      new Promise<number>((resolve) =>
        spawn(tsx, [script, log.path, key.toString('hex'), who], { stdio: 'inherit' }).on('close', (c) =>
          resolve(c ?? 1),
        ),
      );
    expect(await Promise.all([runOne('app@m'), runOne('cli@m')])).toEqual([0, 0]);
    const recs = lines(log).map((l) => JSON.parse(l) as AuditRecord);
    expect(recs.map((r) => r.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(recs.filter((r) => r.actor === 'app@m')).toHaveLength(50);
    expect(await log.verify()).toMatchObject({ ok: true, records: 100 });
  }, 60_000);

  it('takes its key from FLIPDECK_AUDIT_KEY, else a 0600 key file with a warning', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-key-'));
    const hex = randomBytes(32).toString('hex');
    expect((await auditKey(new EnvSecretStore({}), { FLIPDECK_AUDIT_KEY: hex }, home)).key.toString('hex')).toBe(hex);
    await expect(auditKey(new EnvSecretStore({}), { FLIPDECK_AUDIT_KEY: 'abcd' }, home)).rejects.toThrow(
      /at least 32 bytes/,
    );
    const a = await auditKey(new EnvSecretStore({}), {}, home);
    const b = await auditKey(new EnvSecretStore({}), {}, home);
    expect(a.key.equals(b.key)).toBe(true);
    expect(a.warning).toMatch(/audit.key/);
  });
});
