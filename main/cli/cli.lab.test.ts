// The CLI against the lab: same handlers as the app, exit codes as documented.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { readLabState } from '../../e2e/lab/lab';
import { main } from './index';

const L = readLabState();
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const labArgs = () => [
  '--host',
  L.ssh.host,
  '--port',
  String(L.ssh.port),
  '--user',
  L.ssh.user,
  '--identity',
  L.ssh.identity,
  '--docker-socket',
  L.dockerSocket,
  '--client',
  'Lab',
];

beforeEach(() => {
  process.env.FLIPDECK_HOME = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-cli-'));
  process.env.FLIPDECK_AUDIT_KEY = 'ef'.repeat(32);
  process.env.FLIPDECK_AUDIT_DIR = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-cli-audit-'));
});

describe('flipdeck server …', () => {
  it('refuses first contact (exit 3) naming the fingerprint, keeps the server, and connects once accepted', async () => {
    const add = await cli('server', 'add', 'lab-1', ...labArgs());
    expect(add.code).toBe(3);
    expect(add.err).toContain(L.ssh.hostKeySha256);
    const list = JSON.parse((await cli('server', 'list', '--json')).out) as {
      servers: { name: string; hostKey?: string }[];
    };
    expect(list.servers).toEqual([expect.objectContaining({ name: 'lab-1' })]);
    expect(list.servers[0]!.hostKey).toBeUndefined();
    const connect = await cli('server', 'connect', 'lab-1', '--accept-new-host-key');
    expect(connect.code).toBe(0);
    expect(connect.err).toMatch(/connected: Docker/);
    const pinned = JSON.parse((await cli('server', 'list', '--json')).out) as { servers: { hostKey?: string }[] };
    expect(pinned.servers[0]!.hostKey).toBe(L.ssh.hostKeySha256);
  });

  it('connects at once with --host-key, and refuses a wrong pin hard with both fingerprints', async () => {
    expect((await cli('server', 'add', 'ok', ...labArgs(), '--host-key', L.ssh.hostKeySha256)).code).toBe(0);
    const wrong = 'SHA256:' + 'Z'.repeat(43);
    const bad = await cli('server', 'add', 'spoofed', ...labArgs(), '--host-key', wrong, '--client', 'Other');
    expect(bad.code).toBe(3);
    expect(bad.err).toContain(wrong);
    expect(bad.err).toContain(L.ssh.hostKeySha256);
  });

  it('rejects hostile input with exit 2 and never runs it', async () => {
    rmSync('/tmp/flipdeck-marker', { force: true });
    const r = await cli('server', 'add', 'x', '--host', '127.0.0.1;touch /tmp/flipdeck-marker', '--user', 'u');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/host/);
    const n = await cli('server', 'add', 'a\nb', '--host', 'h.example', '--user', '$(touch /tmp/flipdeck-marker)');
    expect(n.code).toBe(2);
    const long = await cli('server', 'add', 'y'.repeat(10_000), '--host', 'h.example', '--user', 'u');
    expect(long.code).toBe(2);
    expect(existsSync('/tmp/flipdeck-marker')).toBe(false);
  });

  it('keeps an audit history that verifies', async () => {
    await cli('server', 'add', 'lab-1', ...labArgs(), '--accept-new-host-key');
    const audit = await cli('audit', '--json');
    const { records } = JSON.parse(audit.out) as { records: { action: string }[] };
    expect(records.map((r) => r.action)).toEqual(expect.arrayContaining(['server.add', 'host-key.trust']));
    expect((await cli('audit', '--verify')).code).toBe(0);
  });

  it('runs as `flipdeck` from a fresh clone (bin)', () => {
    const r = spawnSync(
      path.join(ROOT, 'node_modules', '.bin', 'node'),
      [path.join(ROOT, 'bin', 'flipdeck.mjs'), 'server', 'list', '--json'],
      { env: { ...process.env }, encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ clients: [], servers: [] });
  });
});
