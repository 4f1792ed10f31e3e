// The lab itself: what every other test stands on.
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { labUp, readLabState } from './lab';
import { REGISTRY_HOST } from './registry';
import { cutRelay, restoreRelay } from './relay-control';
import { contextHash, debianMirror } from './images';

const L = readLabState();

function ssh(user: string, identity: string, port: number, ...cmd: string[]) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lab-kh-'));
  const kh = path.join(dir, 'known_hosts');
  const pub = execFileSync('ssh-keygen', ['-y', '-f', identity]).toString(); // proves the key is readable
  expect(pub).toMatch(/^ssh-ed25519 /);
  const hostPub = execFileSync('cat', [path.join(L.labDir, 'ssh', 'host_ed25519.pub')])
    .toString()
    .split(' ')
    .slice(0, 2)
    .join(' ');
  writeFileSync(kh, `[127.0.0.1]:${port} ${hostPub}\n`);
  return spawnSync(
    'ssh',
    [
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      `UserKnownHostsFile=${kh}`,
      '-i',
      identity,
      '-p',
      String(port),
      `${user}@127.0.0.1`,
      ...cmd,
    ],
    { encoding: 'utf8', timeout: 20_000 },
  );
}

describe('the lab', () => {
  it('writes the facts other tools need', () => {
    expect(L.ssh).toMatchObject({ host: '127.0.0.1', port: expect.any(Number), user: expect.any(String) });
    expect(L.ssh.hostKeySha256).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(L.jump.hostKeySha256).toMatch(/^SHA256:/);
    expect(L.fleetAddresses.length).toBeGreaterThanOrEqual(5);
    expect(L.dockerHost).toBe(`unix://${L.dockerSocket}`);
    expect(L.images.base).toMatch(/^flipdeck-lab\/base:[0-9a-f]{12}$/);
    for (const image of [L.images.odoo, L.images.proxy, L.images.postgres])
      expect(image).toMatch(/^127\.0\.0\.1:\d+\/flipdeck-lab\/[a-z]+:[0-9a-f]{12}$/);
  });

  it('serves the lab images from its registry on 127.0.0.1', async () => {
    const [repo, tag] = L.images.odoo.replace(/^127\.0\.0\.1:\d+\//, '').split(':');
    const r = await fetch(`http://${REGISTRY_HOST}/v2/${repo}/tags/list`, { signal: AbortSignal.timeout(5000) });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { tags: string[] }).tags).toContain(tag);
  });

  it('lets the main user in by key, with the pinned host key, and onto the lab Docker socket', () => {
    const r = ssh(
      L.ssh.user,
      L.ssh.identity,
      L.ssh.port,
      'docker',
      '-H',
      L.dockerHost,
      'version',
      '--format',
      '{{.Server.APIVersion}}',
    );
    expect(r.status, r.stderr).toBe(0);
    expect(Number(r.stdout.trim())).toBeGreaterThanOrEqual(1.41);
  });

  it('keeps the unprivileged user off the Docker socket', () => {
    const r = ssh(L.unprivileged.user, L.unprivileged.identity, L.ssh.port, 'docker', '-H', L.dockerHost, 'ps');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/permission denied/i);
  });

  it('refuses passwords and keyboard-interactive logins', () => {
    const r = spawnSync(
      'ssh',
      [
        '-o',
        'BatchMode=yes',
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        'PubkeyAuthentication=no',
        '-p',
        String(L.ssh.port),
        `${L.ssh.user}@127.0.0.1`,
        'true',
      ],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(255);
    expect(r.stderr).toMatch(/Permission denied \(publickey\)/);
  });

  it('answers on every fleet address', async () => {
    for (const addr of L.fleetAddresses.slice(0, 3)) {
      await new Promise<void>((resolve, reject) => {
        const s = net.connect(L.ssh.port, addr, () => {
          s.once('data', (d) => (expect(String(d)).toMatch(/^SSH-2.0-/), s.destroy(), resolve()));
        });
        s.once('error', reject);
      });
    }
  });

  it('cuts and restores the relay', async () => {
    const banner = () =>
      new Promise<string>((resolve) => {
        const s = net.connect(L.relay.port, L.relay.host);
        let got = '';
        s.on('data', (d) => ((got += String(d)), s.destroy()));
        s.on('close', () => resolve(got));
        s.on('error', () => resolve(got));
      });
    expect(await banner()).toMatch(/^SSH-2.0-/);
    await cutRelay();
    expect(await banner()).toBe('');
    await restoreRelay();
    expect(await banner()).toMatch(/^SSH-2.0-/);
  });

  it('a second up is idempotent and takes seconds', async () => {
    const started = Date.now();
    const again = await labUp({ log: () => undefined });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(again.images).toEqual(L.images);
    expect(again.ssh.hostKeySha256).toBe(L.ssh.hostKeySha256);
  }, 60_000);
});

describe('lab building blocks', () => {
  it('takes the Debian mirror from the apt sources', () => {
    const sources =
      'Types: deb\nURIs: http://mirror.invalid/debian\nSuites: bookworm\n\nTypes: deb\nURIs: http://mirror.invalid/debian-security\n';
    expect(debianMirror(sources)).toBe('http://mirror.invalid/debian');
    expect(() => debianMirror('Types: deb\n')).toThrow(/no Debian mirror/);
  });

  it('tags images by their build context', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ctx-'));
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM x');
    const a = contextHash(dir, 'base:1');
    expect(contextHash(dir, 'base:2')).not.toBe(a);
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM y');
    expect(contextHash(dir, 'base:1')).not.toBe(a);
  });
});
