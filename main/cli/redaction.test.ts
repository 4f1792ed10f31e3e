import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openContext } from './context';
import { progressLine } from './commands/deploy';

// The CLI prints progress as it happens: each line passes the redactor, which knows the secrets of the
// process environment from the start (issue 14, point 6).
const secret = 'smtp-Passw0rd/x';
const saved = { ...process.env };
beforeAll(() => {
  process.env.FLIPDECK_HOME = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-cli-redact-'));
  process.env.FLIPDECK_AUDIT_KEY = 'ef'.repeat(32);
  process.env.FLIPDECK_SECRET_SMTP = secret;
});
afterAll(() => {
  for (const k of ['FLIPDECK_HOME', 'FLIPDECK_AUDIT_KEY', 'FLIPDECK_SECRET_SMTP'])
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
});

describe('CLI output is redacted', () => {
  it('progress lines, in each form the secret takes', async () => {
    const printed: string[] = [];
    const ctx = await openContext({ out: (t) => printed.push(t), err: (t) => printed.push(t) });
    try {
      for (const form of [
        secret,
        encodeURIComponent(secret),
        Buffer.from(`odoo:${secret}`).toString('base64'),
        Buffer.from(secret).toString('base64url'),
      ]) {
        const line = progressLine({ kind: 'log', deploy: 'd', step: 'build', line: `pulling with ${form}` });
        ctx.err(line!);
        ctx.out(JSON.stringify({ error: `failed: ${form}` }));
      }
    } finally {
      await ctx.services.close();
    }
    const all = printed.join('\n');
    expect(all).not.toContain(secret);
    expect(all).not.toContain(encodeURIComponent(secret));
    expect(all.match(/«redacted»/g)?.length).toBe(8);
    // The audit key of the process is redacted too.
    expect(ctx.services.redact(`key=${'ef'.repeat(32)}`)).toBe('key=«redacted»');
  });
});
