// Against the real lab: sshd, jump host, agent, relay and the lab's own dockerd.
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionState } from '../../shared/model';
import type { FlipdeckError } from '../../shared/errors';
import { cutRelay, restoreRelay } from '../../e2e/lab/relay-control';
import { dockerOverSsh, engineInfo, listContainers } from './docker-client';
import { HOSTILE } from './shell-quote.test';
import { lab, labConnection } from '../../e2e/lab/lab-ssh';

const L = lab();
const labDocker = new Docker({ socketPath: L.dockerSocket });
const MARKER = '/tmp/flipdeck-marker';

async function rejection(p: Promise<unknown>): Promise<FlipdeckError> {
  try {
    await p;
  } catch (err) {
    return err as FlipdeckError;
  }
  throw new Error('expected a rejection');
}

describe('SSH to the lab server', () => {
  it('connects by key file and runs a command', async () => {
    const c = labConnection();
    expect((await c.connect()).fingerprint).toBe(L.ssh.hostKeySha256);
    const r = await c.exec(['id', '-un']);
    expect(r).toMatchObject({ exitCode: 0, stdout: `${L.ssh.user}\n` });
    await c.close();
    expect(c.state.kind).toBe('closed');
  });

  it('connects through ssh-agent', async () => {
    const c = labConnection({ privateKey: undefined, agent: L.agentSocket });
    await c.connect();
    expect((await c.exec(['true'])).exitCode).toBe(0);
    await c.close();
  });

  it('connects through the jump host, pinning both keys', async () => {
    const c = labConnection({
      jump: {
        host: L.jump.host,
        port: L.jump.port,
        user: L.jump.user,
        privateKey: readFileSync(L.ssh.identity),
        hostKey: L.jump.hostKeySha256,
      },
    });
    expect(await c.connect()).toEqual({ fingerprint: L.ssh.hostKeySha256, jumpFingerprint: L.jump.hostKeySha256 });
    expect((await c.exec(['hostname'])).exitCode).toBe(0);
    await c.close();
    const wrongJump = labConnection({
      jump: {
        host: L.jump.host,
        port: L.jump.port,
        user: L.jump.user,
        privateKey: readFileSync(L.ssh.identity),
        hostKey: L.ssh.hostKeySha256,
      },
    });
    const e = await rejection(wrongJump.connect());
    expect(e.code).toBe('host_key_changed');
    expect(e.detail).toMatchObject({ hop: 'jump', pinned: L.ssh.hostKeySha256, presented: L.jump.hostKeySha256 });
  });

  it('opens a key with its passphrase, and says so when the passphrase is wrong', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-key-'));
    const key = path.join(dir, 'k');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'open sesame', '-f', key]);
    const authorized = path.join(L.labDir, 'ssh', 'authorized_keys', L.ssh.user);
    const before = readFileSync(authorized, 'utf8');
    appendFileSync(authorized, readFileSync(`${key}.pub`));
    try {
      const ok = labConnection({ privateKey: readFileSync(key), passphrase: 'open sesame' });
      await ok.connect();
      await ok.close();
      const e = await rejection(labConnection({ privateKey: readFileSync(key), passphrase: 'wrong' }).connect());
      expect(e.code).toBe('auth_failed');
      expect(e.message).toMatch(/could not be opened/);
    } finally {
      writeFileSync(authorized, before);
    }
  });

  it('refuses an unknown host key until accepted, then pins what it accepted', async () => {
    const e = await rejection(labConnection({ hostKey: undefined }).connect());
    expect(e.code).toBe('host_key_unknown');
    expect(e.detail).toMatchObject({ fingerprint: L.ssh.hostKeySha256, algorithm: 'ssh-ed25519', hop: 'server' });
    const c = labConnection({ hostKey: undefined, acceptNewHostKey: true });
    expect((await c.connect()).fingerprint).toBe(L.ssh.hostKeySha256);
    await c.close();
  });

  it('refuses a changed host key hard, showing both fingerprints', async () => {
    const wrong = 'SHA256:' + 'A'.repeat(43);
    const e = await rejection(labConnection({ hostKey: wrong, acceptNewHostKey: true }).connect());
    expect(e.code).toBe('host_key_changed');
    expect(e.message).toContain(wrong);
    expect(e.message).toContain(L.ssh.hostKeySha256);
  });

  it('passes hostile arguments through untouched and never executes them', async () => {
    rmSync(MARKER, { force: true });
    const c = labConnection();
    await c.connect();
    for (const arg of HOSTILE) {
      const r = await c.exec(['printf', '%s', arg]);
      expect(r.stdout).toBe(arg);
    }
    expect(existsSync(MARKER)).toBe(false);
    await c.close();
  });
});

describe('Docker through the tunnel', () => {
  let containerId = '';
  beforeAll(async () => {
    const c = await labDocker.createContainer({
      Image: L.images.base,
      Cmd: ['sleep', '120'],
      name: 'flipdeck-remote-test',
      Labels: { 'io.flipdeck.test': 'remote' },
    });
    await c.start();
    containerId = c.id;
  });
  afterAll(async () => {
    await labDocker.getContainer(containerId).remove({ force: true });
  });

  it('reads the engine version and lists containers with labels and live stats', async () => {
    const c = labConnection();
    const docker = dockerOverSsh(c, L.dockerSocket, 'lab');
    expect(await engineInfo(docker)).toMatchObject({ supported: true });
    const list = await listContainers(docker, { stats: true });
    const mine = list.find((x) => x.id === containerId);
    expect(mine).toMatchObject({
      name: 'flipdeck-remote-test',
      state: 'running',
      labels: { 'io.flipdeck.test': 'remote' },
    });
    expect(mine?.stats?.memoryBytes).toBeGreaterThan(0);
    await c.close();
  });

  it('names the path when the socket is missing, or the user may not use it', async () => {
    const c = labConnection();
    const missing = await rejection(
      listContainers(dockerOverSsh(c, '/nonexistent/docker.sock', 'lab'), { stats: false }),
    );
    expect(missing.code).toBe('docker_unavailable');
    expect(missing.message).toContain('/nonexistent/docker.sock');
    await c.close();
    const u = labConnection({ user: L.unprivileged.user, privateKey: readFileSync(L.unprivileged.identity) });
    const denied = await rejection(listContainers(dockerOverSsh(u, L.dockerSocket, 'lab'), { stats: false }));
    expect(denied.code).toBe('permission_denied');
    expect(denied.message).toContain(L.dockerSocket);
    await u.close();
  });
});

describe('a cut connection', () => {
  it('reports the loss and reconnects when the relay is back', async () => {
    const c = labConnection({ port: L.relay.port });
    const states: ConnectionState['kind'][] = [];
    c.on('state', (s: ConnectionState) => states.push(s.kind));
    await c.connect();
    expect(await cutRelay()).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 600));
    expect(c.state.kind).toBe('reconnecting');
    await restoreRelay();
    const r = await c.exec(['echo', 'back']);
    expect(r.stdout).toBe('back\n');
    expect(states).toEqual(expect.arrayContaining(['connected', 'reconnecting']));
    expect(states[states.length - 1]).toBe('connected');
    await c.close();
  });
});
