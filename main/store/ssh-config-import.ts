// Import servers from ~/.ssh/config: concrete Host aliases (no wildcards or negations), with
// HostName, Port, User, IdentityFile and ProxyJump resolved as OpenSSH would. `Match exec` is never
// evaluated (it would run commands from the file). Each host is validated; a bad one is skipped with
// its reason, never imported half-broken.
import os from 'node:os';
import path from 'node:path';
import SSHConfig from 'ssh-config';
import type { NewServer, SshConfigHost } from '../../shared/model';
import { newServerSchema } from '../../shared/ipc-contract';
import { describeIssues } from '../../shared/validation';

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function expandTokens(p: string, o: { homeDir: string; user: string; host: string; alias: string }): string {
  let out = p.replace(
    /%(.)/g,
    (m, c: string) =>
      (
        ({ d: o.homeDir, u: os.userInfo().username, r: o.user, h: o.host, n: o.alias, '%': '%' }) as Record<
          string,
          string
        >
      )[c] ?? m,
  );
  if (out === '~' || out.startsWith('~/')) out = o.homeDir + out.slice(1);
  return out;
}

export function readSshConfigHosts(text: string, opts: { homeDir: string }): SshConfigHost[] {
  const config = SSHConfig.parse(text);
  const aliases: string[] = [];
  for (const line of config) {
    if (line.type !== SSHConfig.DIRECTIVE || line.param.toLowerCase() !== 'host') continue;
    const values = typeof line.value === 'string' ? line.value.split(/\s+/) : line.value.map((v) => v.val);
    for (const v of values) if (v && !/[*?!]/.test(v) && !aliases.includes(v)) aliases.push(v);
  }
  return aliases.map((alias) => {
    const c = config.compute(alias, { ignoreCase: true, matchExec: false });
    const host = (first(c.hostname) ?? alias).replace(/%h/g, alias).replace(/%%/g, '%');
    const user = first(c.user);
    const portText = first(c.port);
    const identity = first(c.identityfile);
    const jump = first(c.proxyjump);
    const entry: SshConfigHost = { alias, host, port: portText ? Number(portText) : 22 };
    if (user) entry.user = user;
    if (identity)
      entry.identityFile = expandTokens(identity, {
        homeDir: opts.homeDir,
        user: user ?? os.userInfo().username,
        host,
        alias,
      });
    if (jump && jump.toLowerCase() !== 'none') entry.proxyJump = jump.split(',')[0]!.trim();
    return entry;
  });
}

/** `user@host:port` (or `ssh://user@host:port`, the first hop only) → its parts. */
export function parseJumpSpec(spec: string): { user?: string; host: string; port: number } | null {
  const m = /^(?:ssh:\/\/)?(?:([^@\s]+)@)?(\[[^\]]+\]|[^:@\s]+)(?::(\d{1,5}))?$/.exec(spec.trim());
  if (!m) return null;
  return { ...(m[1] ? { user: m[1] } : {}), host: m[2]!.replace(/^\[|\]$/g, ''), port: m[3] ? Number(m[3]) : 22 };
}

export function toNewServers(
  hosts: SshConfigHost[],
  clientId: string,
  aliases?: string[],
): { servers: NewServer[]; skipped: { alias: string; reason: string }[] } {
  const servers: NewServer[] = [];
  const skipped: { alias: string; reason: string }[] = [];
  const wanted = aliases ? new Set(aliases) : null;
  for (const h of hosts) {
    if (wanted && !wanted.has(h.alias)) continue;
    const user = h.user ?? os.userInfo().username;
    let jump: Record<string, unknown> | undefined;
    if (h.proxyJump) {
      const j = parseJumpSpec(h.proxyJump);
      const viaAlias = j ? hosts.find((x) => x.alias === j.host) : undefined;
      if (!j) {
        skipped.push({ alias: h.alias, reason: `ProxyJump ${h.proxyJump} is not USER@HOST:PORT` });
        continue;
      }
      jump = viaAlias
        ? {
            host: viaAlias.host,
            port: viaAlias.port,
            user: j.user ?? viaAlias.user ?? user,
            ...(viaAlias.identityFile ? { identityFile: viaAlias.identityFile } : {}),
          }
        : { host: j.host, port: j.port, user: j.user ?? user };
    }
    const candidate = {
      clientId,
      name: h.alias,
      kind: 'ssh',
      host: h.host,
      port: h.port,
      user,
      ...(h.identityFile ? { identityFile: h.identityFile } : {}),
      useAgent: !h.identityFile,
      ...(jump ? { jump } : {}),
      tags: [],
    };
    const r = newServerSchema.safeParse(candidate);
    if (!r.success) skipped.push({ alias: h.alias, reason: describeIssues(r.error) });
    else servers.push(r.data as NewServer);
  }
  return { servers, skipped };
}

export const defaultSshConfigPath = () => path.join(os.homedir(), '.ssh', 'config');
