import { describe, expect, it } from 'vitest';
import { readSshConfigHosts, toNewServers } from './ssh-config-import';

const CONFIG = `
Host bastion
  HostName bastion.acme.example
  Port 2201
  User jump
  IdentityFile ~/.ssh/bastion

Host prod-1 prod-2
  HostName %h.internal.acme.example
  ProxyJump bastion
  IdentityFile %d/.ssh/acme_%r

Host staging
  HostName 10.0.0.5
  User deploy
  Port 2222
  ProxyJump ops@gate.acme.example:2022

Host evil
  HostName foo;rm -rf /

Host !negated *.wild
  User nobody

Match exec "touch /tmp/flipdeck-ssh-config-marker"
  User pwned

Host *
  ServerAliveInterval 30
  User fallback
`;

describe('~/.ssh/config import', () => {
  const hosts = readSshConfigHosts(CONFIG, { homeDir: '/home/ana' });

  it('lists concrete aliases only, resolved as OpenSSH would', () => {
    expect(hosts.map((h) => h.alias)).toEqual(['bastion', 'prod-1', 'prod-2', 'staging', 'evil']);
    expect(hosts.find((h) => h.alias === 'bastion')).toEqual({
      alias: 'bastion',
      host: 'bastion.acme.example',
      port: 2201,
      user: 'jump',
      identityFile: '/home/ana/.ssh/bastion',
    });
    expect(hosts.find((h) => h.alias === 'staging')).toMatchObject({
      host: '10.0.0.5',
      port: 2222,
      user: 'deploy',
      proxyJump: 'ops@gate.acme.example:2022',
    });
    expect(hosts.find((h) => h.alias === 'prod-1')).toMatchObject({
      host: 'prod-1.internal.acme.example',
      user: 'fallback',
      proxyJump: 'bastion',
      identityFile: '/home/ana/.ssh/acme_fallback',
    });
  });

  it('never evaluates Match exec', async () => {
    const { existsSync } = await import('node:fs');
    expect(existsSync('/tmp/flipdeck-ssh-config-marker')).toBe(false);
  });

  it('turns hosts into servers, resolving a jump alias and skipping bad ones with the reason', () => {
    const { servers, skipped } = toNewServers(hosts, 'client1');
    expect(servers.map((s) => s.name)).toEqual(['bastion', 'prod-1', 'prod-2', 'staging']);
    expect(servers.find((s) => s.name === 'staging')?.jump).toEqual({
      host: 'gate.acme.example',
      port: 2022,
      user: 'ops',
    });
    expect(servers.find((s) => s.name === 'prod-1')?.jump).toEqual({
      host: 'bastion.acme.example',
      port: 2201,
      user: 'jump',
      identityFile: '/home/ana/.ssh/bastion',
    });
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({ alias: 'evil' });
    expect(skipped[0]!.reason).toMatch(/host/);
  });

  it('imports only the chosen aliases', () => {
    expect(toNewServers(hosts, 'c', ['staging']).servers.map((s) => s.name)).toEqual(['staging']);
  });
});
