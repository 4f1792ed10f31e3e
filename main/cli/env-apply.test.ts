import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from './index';

// `flipdeck env apply` run in-process against a scratch home: hostile files are refused with exit 2,
// a message naming the file or the key and the allowed range, and nothing is stored.
const dir = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-apply-'));
const saved = { home: process.env.FLIPDECK_HOME, key: process.env.FLIPDECK_AUDIT_KEY };
beforeAll(() => {
  process.env.FLIPDECK_HOME = path.join(dir, 'home');
  process.env.FLIPDECK_AUDIT_KEY = 'ab'.repeat(32);
});
afterAll(() => {
  for (const [k, v] of [
    ['FLIPDECK_HOME', saved.home],
    ['FLIPDECK_AUDIT_KEY', saved.key],
  ] as const)
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
});

const apply = async (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  const out: string[] = [];
  const code = await main(['env', 'apply', file], { out: (t) => out.push(t), err: (t) => out.push(t) });
  return { code, text: out.join('\n'), file };
};
const base = 'server: acme-prod\nname: prod\nimage: acme/odoo:17\npublic_bind: 127.0.0.1:18100\n';

describe('flipdeck env apply (issue 14, point 5)', () => {
  it('refuses a 2 MiB file, naming it and the limit', async () => {
    const r = await apply('big.yml', `${base}# ${'x'.repeat(2 * 1024 * 1024)}\n`);
    expect(r.code).toBe(2);
    expect(r.text).toContain(`${r.file} is 2,097,`);
    expect(r.text).toContain('environment files may be at most 1 MiB (1,048,576 bytes)');
  });

  it('refuses a hex port and a keep window that would overflow a date, naming the keys and ranges', async () => {
    const r = await apply('hostile.yml', `${base}http_port: 0x16\nkeep_window: 1e13\n`);
    expect(r.code).toBe(2);
    expect(r.text).toMatch(/http_port: must be a port number written in decimal digits.*1–65535; got "0x16"/);
    expect(r.text).toMatch(/keep_window: must be 0s to 720h \(30 days\)/);
  });

  it('applies a sane file', async () => {
    const r = await apply('ok.yml', base);
    expect(r.text).toMatch(/(created|updated) acme-prod\/prod/);
    expect(r.code).toBe(0);
  });
});
