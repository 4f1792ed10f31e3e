// flipdeck server add|list|connect
import type { Command } from 'commander';
import type { Server } from '../../../shared/model';
import { Exit, type ExitCode } from '../exit-codes';
import type { CliContext } from '../context';
import { displayName, portProblem } from '../../../shared/validation';

export interface ServerAddOptions {
  host: string;
  port?: string;
  user: string;
  identity?: string;
  jump?: string;
  dockerSocket?: string;
  hostKey?: string;
  acceptNewHostKey?: boolean;
  client?: string;
  agent?: boolean;
  passphraseSecret?: string;
  tag?: string[];
}

/** `USER@HOST:PORT` (port optional), as ProxyJump writes it. */
export function parseJump(spec: string): { user: string; host: string; port: number } {
  const m = /^([^@\s]+)@([^:\s]+)(?::([^:\s]*))?$/.exec(spec);
  if (!m) throw new UsageError(`--jump must look like USER@HOST:PORT, got ${JSON.stringify(spec).slice(0, 80)}`);
  return { user: m[1]!, host: m[2]!, port: m[3] === undefined ? 22 : portFlag('--jump port', m[3]) };
}

export class UsageError extends Error {}

/** A port flag: decimal digits only (`0x16` is not 22), 1–65535. */
export function portFlag(flag: string, text: string): number {
  const problem = portProblem(text);
  if (problem) throw new UsageError(`${flag} ${problem}`);
  return Number(text);
}

async function findOrCreateClient(ctx: CliContext, name: string): Promise<string> {
  const inv = await ctx.call('inventory.get', {});
  const existing = inv.clients.find((c) => c.name.toLowerCase() === name.toLowerCase());
  return existing ? existing.id : (await ctx.call('clients.add', { name, tags: [] })).id;
}

export async function serverAdd(ctx: CliContext, name: string, o: ServerAddOptions): Promise<ExitCode> {
  if (o.hostKey && o.acceptNewHostKey) throw new UsageError('use either --host-key or --accept-new-host-key, not both');
  const named = displayName.safeParse(name);
  if (!named.success) throw new UsageError(`server name ${named.error.issues.map((i) => i.message).join('; ')}`);
  const port = o.port === undefined ? 22 : portFlag('--port', o.port);
  const jump = o.jump ? parseJump(o.jump) : undefined;
  const clientId = await findOrCreateClient(ctx, o.client ?? 'Default');
  const server = await ctx.call('servers.add', {
    clientId,
    name,
    kind: 'ssh',
    host: o.host,
    port,
    user: o.user,
    ...(o.identity ? { identityFile: o.identity } : {}),
    ...(o.passphraseSecret ? { passphraseSecret: o.passphraseSecret } : {}),
    useAgent: Boolean(o.agent),
    ...(jump ? { jump } : {}),
    ...(o.dockerSocket ? { dockerSocket: o.dockerSocket } : {}),
    ...(o.hostKey ? { hostKey: o.hostKey } : {}),
    tags: o.tag ?? [],
  });
  ctx.err(`added ${server.name} (${server.user}@${server.host}:${server.port})`);
  return connectAndPin(ctx, server, Boolean(o.acceptNewHostKey));
}

/** Connects once; pins a first-contact key only when the user said so. A changed key is always refused. */
export async function connectAndPin(ctx: CliContext, server: Server, acceptNew: boolean): Promise<ExitCode> {
  for (let round = 0; round < 3; round++) {
    const outcome = await ctx.call('servers.connect', { id: server.id });
    if (outcome.kind === 'connected') {
      ctx.err(
        `connected: Docker ${outcome.docker.version} (API ${outcome.docker.apiVersion})${outcome.docker.supported ? '' : ' — older than Flipdeck supports'}`,
      );
      return Exit.ok;
    }
    if (outcome.kind === 'host_key_changed') {
      ctx.err(
        `REFUSED: the ${outcome.hop === 'jump' ? 'jump host' : 'server'} key of ${server.name} changed.\n  pinned:    ${outcome.pinned}\n  presented: ${outcome.presented}\nThis can mean the server was rebuilt, or that someone is intercepting the connection. Check with the server's owner; if the new key is right, remove and re-add the server with --host-key.`,
      );
      return Exit.refused;
    }
    if (!acceptNew) {
      ctx.err(
        `REFUSED: first contact with ${outcome.hop === 'jump' ? 'the jump host of ' : ''}${server.name}; its host key is ${outcome.fingerprint} (${outcome.algorithm}).\nCompare it with the server's own (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then pin it with --host-key ${outcome.fingerprint} or re-run with --accept-new-host-key.`,
      );
      return Exit.refused;
    }
    ctx.err(`pinning ${outcome.hop === 'jump' ? 'jump host' : 'host'} key ${outcome.fingerprint}`);
    await ctx.call('servers.trustHostKey', { id: server.id, fingerprint: outcome.fingerprint, hop: outcome.hop });
  }
  return Exit.failed;
}

export function registerServerCommands(
  program: Command,
  run: (fn: (ctx: CliContext) => Promise<ExitCode>) => Promise<void>,
): void {
  const server = program.command('server').description('the servers Flipdeck reaches over SSH');
  server
    .command('add <name>')
    .description('add a server and pin its host key')
    .requiredOption('--host <host>', 'host name or IP')
    .option('--port <port>', 'SSH port', '22')
    .requiredOption('--user <user>', 'SSH user')
    .option('--identity <file>', 'private key file')
    .option('--agent', 'use ssh-agent (SSH_AUTH_SOCK)')
    .option('--passphrase-secret <name>', 'secret holding the key passphrase (FLIPDECK_SECRET_<NAME> for the CLI)')
    .option('--jump <user@host:port>', 'jump host')
    .option('--docker-socket <path>', 'Docker socket on the server', '/var/run/docker.sock')
    .option('--host-key <SHA256:…>', 'pin this host key fingerprint')
    .option('--accept-new-host-key', 'trust the key presented at first contact')
    .option('--client <name>', 'client the server belongs to', 'Default')
    .option('--tag <tag...>', 'tags')
    .action((name: string, o: ServerAddOptions) => run((ctx) => serverAdd(ctx, name, o)));
  server
    .command('list')
    .description('list servers')
    .option('--json', 'one JSON document on stdout')
    .action((o: { json?: boolean }) =>
      run(async (ctx) => {
        const inv = await ctx.call('inventory.get', {});
        if (o.json) {
          ctx.out(JSON.stringify({ clients: inv.clients, servers: inv.servers }, null, 2));
          return Exit.ok;
        }
        const clientName = new Map(inv.clients.map((c) => [c.id, c.name]));
        if (inv.servers.length === 0)
          ctx.err('no servers yet: add one with `flipdeck server add NAME --host H --user U`');
        for (const s of inv.servers)
          ctx.out(
            `${clientName.get(s.clientId) ?? '?'}\t${s.name}\t${s.user}@${s.host}:${s.port}\t${s.hostKey ?? 'host key not pinned'}`,
          );
        return Exit.ok;
      }),
    );
  server
    .command('connect <name>')
    .description('connect once and show the Docker engine (pins nothing unless --accept-new-host-key)')
    .option('--accept-new-host-key', 'trust the key presented at first contact')
    .action((name: string, o: { acceptNewHostKey?: boolean }) =>
      run(async (ctx) => connectAndPin(ctx, await serverByName(ctx, name), Boolean(o.acceptNewHostKey))),
    );
}

export async function serverByName(ctx: CliContext, name: string): Promise<Server> {
  const inv = await ctx.call('inventory.get', {});
  const found = inv.servers.filter((s) => s.name === name);
  if (found.length === 0) throw new UsageError(`no server named ${JSON.stringify(name)}; see \`flipdeck server list\``);
  if (found.length > 1)
    throw new UsageError(
      `${found.length} servers are named ${JSON.stringify(name)} (in different clients); rename one`,
    );
  return found[0]!;
}
