// The lab's SSH side: users, keys, a key-only sshd on loopback (also listening on extra loopback
// addresses for fleet tests), a second sshd as a jump host, and an ssh-agent holding the client key.
// The main user is in the lab daemon's docker group (as a consultant's deploy user usually is);
// the unprivileged user is not, for the permission test.
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RUN_DIR, PORTS, USERS, paths } from './paths';
import { runningPid, startDetached, stopByPidFile, waitFor } from './processes';
import { run } from './sh';
import net from 'node:net';

export interface SshFacts {
  hostKeySha256: string;
  jumpHostKeySha256: string;
  identity: string;
  unprivilegedIdentity: string;
  fleetAddresses: string[];
}

async function ensureGroup(name: string): Promise<void> {
  if ((await run('getent', ['group', name], { allowFail: true })).code !== 0) await run('groupadd', ['--system', name]);
}

async function ensureUser(name: string, groups: string[]): Promise<void> {
  if ((await run('id', ['-u', name], { allowFail: true })).code !== 0) {
    await run('useradd', [
      '--create-home',
      '--shell',
      '/bin/bash',
      ...(groups.length ? ['--groups', groups.join(',')] : []),
      name,
    ]);
  }
  // A locked password (`!`) makes sshd refuse even key logins with UsePAM no; `*` means "no password".
  await run('usermod', ['-p', '*', name]);
  if (groups.length) await run('usermod', ['-aG', groups.join(','), name]);
}

async function ensureKey(file: string, comment: string): Promise<void> {
  if (existsSync(file)) return;
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
}

export async function fingerprint(pubFile: string): Promise<string> {
  const out = (await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubFile])).stdout;
  const m = /(SHA256:[A-Za-z0-9+/]+)/.exec(out);
  if (!m?.[1]) throw new Error(`cannot read the fingerprint of ${pubFile}: ${out}`);
  return m[1];
}

function sshdConfig(o: { port: number; addresses: string[]; hostKey: string; pidFile: string }): string {
  return [
    ...o.addresses.map((a) => `ListenAddress ${a}:${o.port}`),
    `HostKey ${o.hostKey}`,
    `PidFile ${o.pidFile}`,
    `AuthorizedKeysFile ${paths.authorizedKeys}/%u`,
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'PermitRootLogin no',
    'UsePAM no',
    'StrictModes yes',
    'MaxStartups 200:30:400',
    'MaxSessions 100',
    'ClientAliveInterval 0',
    'AllowTcpForwarding yes',
    'AllowStreamLocalForwarding yes',
    'LogLevel VERBOSE',
    'Subsystem sftp internal-sftp',
    '',
  ].join('\n');
}

export async function setupSsh(fleetCount: number): Promise<SshFacts> {
  await ensureGroup(USERS.dockerGroup);
  await ensureUser(USERS.main, [USERS.dockerGroup]);
  await ensureUser(USERS.unprivileged, []);
  mkdirSync(paths.sshDir, { recursive: true, mode: 0o755 });
  mkdirSync(paths.authorizedKeys, { recursive: true, mode: 0o755 });
  const k = (n: string) => path.join(paths.sshDir, n);
  await ensureKey(k('host_ed25519'), 'flipdeck-lab-host');
  await ensureKey(k('jump_host_ed25519'), 'flipdeck-lab-jump');
  await ensureKey(k('client_ed25519'), 'flipdeck-lab-client');
  await ensureKey(k('unprivileged_ed25519'), 'flipdeck-lab-unprivileged');
  // Tests and the browser host run as root here and read the client keys; keep them private anyway.
  for (const n of ['client_ed25519', 'unprivileged_ed25519']) chmodSync(k(n), 0o600);
  writeFileSync(path.join(paths.authorizedKeys, USERS.main), readFileSync(k('client_ed25519.pub')), { mode: 0o644 });
  writeFileSync(path.join(paths.authorizedKeys, USERS.unprivileged), readFileSync(k('unprivileged_ed25519.pub')), {
    mode: 0o644,
  });
  for (const f of [USERS.main, USERS.unprivileged]) chownSync(path.join(paths.authorizedKeys, f), 0, 0);
  const fleetAddresses = Array.from({ length: fleetCount }, (_, i) => `127.0.0.${i + 2}`);
  writeFileSync(
    k('sshd_config'),
    sshdConfig({
      port: PORTS.ssh,
      addresses: ['127.0.0.1', ...fleetAddresses],
      hostKey: k('host_ed25519'),
      pidFile: paths.sshdPid,
    }),
  );
  writeFileSync(
    k('sshd_jump_config'),
    sshdConfig({ port: PORTS.jump, addresses: ['127.0.0.1'], hostKey: k('jump_host_ed25519'), pidFile: paths.jumpPid }),
  );
  return {
    hostKeySha256: await fingerprint(k('host_ed25519.pub')),
    jumpHostKeySha256: await fingerprint(k('jump_host_ed25519.pub')),
    identity: k('client_ed25519'),
    unprivilegedIdentity: k('unprivileged_ed25519'),
    fleetAddresses,
  };
}

export function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, host);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

export async function startSshd(): Promise<void> {
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  mkdirSync(RUN_DIR, { recursive: true });
  const k = (n: string) => path.join(paths.sshDir, n);
  for (const [cfg, pidFile, port, name] of [
    [k('sshd_config'), paths.sshdPid, PORTS.ssh, 'sshd'],
    [k('sshd_jump_config'), paths.jumpPid, PORTS.jump, 'jump sshd'],
  ] as const) {
    const pid = runningPid(pidFile);
    if (pid) {
      // Already running: SIGHUP makes sshd re-exec with the config just written (new fleet addresses).
      await run('/usr/sbin/sshd', ['-t', '-f', cfg]);
      process.kill(pid, 'SIGHUP');
      await new Promise((r) => setTimeout(r, 300));
      await waitFor(name, () => portOpen('127.0.0.1', port), 10_000);
      continue;
    }
    await run('/usr/sbin/sshd', ['-t', '-f', cfg]);
    // sshd daemonises and writes its own PidFile.
    await run('/usr/sbin/sshd', ['-f', cfg, '-E', path.join(RUN_DIR, `${path.basename(cfg)}.log`)]);
    await waitFor(name, () => portOpen('127.0.0.1', port), 10_000);
  }
}

export async function startAgent(identity: string): Promise<string> {
  if (!runningPid(paths.agentPid)) {
    rmSync(paths.agentSock, { force: true });
    const out = (await run('ssh-agent', ['-a', paths.agentSock, '-s'])).stdout;
    const pid = /SSH_AGENT_PID=(\d+)/.exec(out)?.[1];
    if (!pid) throw new Error(`ssh-agent did not report its pid: ${out}`);
    writeFileSync(paths.agentPid, pid);
  }
  await run('ssh-add', ['-q', identity], { env: { ...process.env, SSH_AUTH_SOCK: paths.agentSock } });
  return paths.agentSock;
}

export async function stopSsh(): Promise<void> {
  await stopByPidFile(paths.sshdPid, 'sshd');
  await stopByPidFile(paths.jumpPid, 'jump sshd');
  await stopByPidFile(paths.agentPid, 'ssh-agent');
  rmSync(paths.agentSock, { force: true });
}

export { startDetached };
