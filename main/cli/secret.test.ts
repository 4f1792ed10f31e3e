// `flipdeck secret set|list|rm` (issue 14, point 7): the value comes from stdin, never argv; what the
// CLI stores the app and the browser host read (one file, one key source), and list never prints a value.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SecretStatus } from '../../shared/model';
import { createHostServices } from '../host/services';
import { dispatch } from '../host/dispatch';
import { localSecretStore } from '../store/local-secret-store';
import { readSecretFromStdin, valueFromInput } from './commands/secret';
import { Exit } from './exit-codes';
import { main } from './index';

const VARS = ['FLIPDECK_HOME', 'FLIPDECK_AUDIT_DIR', 'FLIPDECK_AUDIT_KEY', 'FLIPDECK_SECRET_SMTP_PW'] as const;
const saved: Partial<Record<(typeof VARS)[number], string>> = {};
const VALUE = 'p1pe-d value with spaces';
let home = '';

beforeEach(() => {
  for (const v of VARS) saved[v] = process.env[v];
  home = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-secret-cli-'));
  process.env.FLIPDECK_HOME = home;
  process.env.FLIPDECK_AUDIT_DIR = `${home}-audit`;
  process.env.FLIPDECK_AUDIT_KEY = 'b2'.repeat(32);
  delete process.env.FLIPDECK_SECRET_SMTP_PW;
});
afterEach(() => {
  for (const v of VARS) {
    if (saved[v] === undefined) delete process.env[v];
    else process.env[v] = saved[v];
  }
  rmSync(home, { recursive: true, force: true });
  rmSync(`${home}-audit`, { recursive: true, force: true });
});

/** The CLI with `stdin` as what was piped in. */
async function cli(argv: string[], stdin = '') {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    readSecret: async () => valueFromInput(stdin),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const stored = () => localSecretStore(home, process.env);

describe('flipdeck secret', () => {
  it('set reads the value from stdin (one trailing newline dropped) and the app sees it', async () => {
    const r = await cli(['secret', 'set', 'smtp_pw'], `${VALUE}\n`);
    expect(r).toMatchObject({ code: Exit.ok, out: '' });
    expect(r.err).toContain('stored smtp_pw in the local secret store');
    expect(r.err).not.toContain(VALUE);
    expect(await stored().get('smtp_pw')).toBe(VALUE);

    // The app's services on the same home (same key source) read it.
    const app = await createHostServices({ home, transport: 'electron', env: process.env });
    try {
      const r = await dispatch(app.handlers, 'secrets.list', {}, { transport: 'test' });
      expect(r.ok && (r.value as SecretStatus[])).toEqual([expect.objectContaining({ name: 'smtp_pw', set: true })]);
    } finally {
      await app.close();
    }
  });

  it('set refuses an empty value and one shorter than 8 characters (exit 2), storing nothing', async () => {
    const empty = await cli(['secret', 'set', 'smtp_pw'], '\n');
    expect(empty.code).toBe(Exit.usage);
    expect(empty.err).toMatch(/no value for smtp_pw on stdin; nothing was stored/);
    expect(empty.err).toMatch(/printf %s "\$VALUE" \| flipdeck secret set smtp_pw/);
    const short = await cli(['secret', 'set', 'smtp_pw'], 'abc1234');
    expect(short.code).toBe(Exit.usage);
    expect(short.err).toMatch(/"smtp_pw" is 7 character\(s\) long; Flipdeck needs at least 8/);
    const badName = await cli(['secret', 'set', '../x'], VALUE);
    expect(badName.code).toBe(Exit.usage);
    expect(await stored().list()).toEqual([]);
  });

  it('takes no value from the command line', async () => {
    const r = await cli(['secret', 'set', 'smtp_pw', VALUE], 'ignored-value-1');
    expect(r.code).toBe(Exit.usage);
    expect(await stored().list()).toEqual([]);
  });

  it('list names each secret and its source, never a value; an environment variable overrides; rm removes', async () => {
    await cli(['secret', 'set', 'smtp_pw'], VALUE);
    await cli(['secret', 'set', 'extdb_pw'], 'db-password-123');
    const listed = await cli(['secret', 'list']);
    expect(listed.code).toBe(Exit.ok);
    expect(listed.out.split('\n')).toEqual([
      'extdb_pw  set    from the local secret store',
      'smtp_pw  set    from the local secret store',
    ]);

    process.env.FLIPDECK_SECRET_SMTP_PW = 'from-the-ci-variable';
    const json = await cli(['secret', 'list', '--json']);
    const list = JSON.parse(json.out) as SecretStatus[];
    expect(list.find((s) => s.name === 'smtp_pw')).toMatchObject({
      source: 'environment',
      where: 'FLIPDECK_SECRET_SMTP_PW',
    });
    for (const text of [listed.out, listed.err, json.out, json.err]) {
      expect(text).not.toContain(VALUE);
      expect(text).not.toContain('db-password-123');
      expect(text).not.toContain('from-the-ci-variable');
    }

    const rm = await cli(['secret', 'rm', 'smtp_pw']);
    expect(rm.code).toBe(Exit.ok);
    expect(rm.err).toContain('smtp_pw is no longer in the local secret store');
    expect(rm.err).toContain('note: smtp_pw is still set from FLIPDECK_SECRET_SMTP_PW');
    expect(await stored().list()).toEqual(['extdb_pw']);
  });

  it('reads the whole of a pipe as the value', async () => {
    const saved = Object.getOwnPropertyDescriptor(process, 'stdin')!;
    const fake = Object.assign(Readable.from([Buffer.from('first-part '), Buffer.from('second\r\n')]), {
      isTTY: false,
    });
    Object.defineProperty(process, 'stdin', { value: fake, configurable: true });
    try {
      expect(await readSecretFromStdin('smtp_pw')).toBe('first-part second');
    } finally {
      Object.defineProperty(process, 'stdin', saved);
    }
  });
});
