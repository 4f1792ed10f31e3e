// flipdeck server add|list|connect|remove
import type { Command } from 'commander';
import type { NewServer, Server } from '../../../shared/model';
import { newServerSchema, type Request } from '../../../shared/ipc-contract';
import { Exit, exitCodeFor, type ExitCode } from '../exit-codes';
import { asWire, CliCallError, type CliContext } from '../context';
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
  const find = async () =>
    (await ctx.call('inventory.get', {})).clients.find((c) => c.name.toLowerCase() === name.toLowerCase());
  const existing = await find();
  if (existing) return existing.id;
  try {
    return (await ctx.call('clients.add', { name, tags: [] })).id;
  } catch (err) {
    // Another `server add` running at the same time may have just created it.
    const created = err instanceof CliCallError && err.wire.code === 'bad_input' ? await find() : undefined;
    if (created) return created.id;
    throw err;
  }
}

/**
 * Adds the server, then connects once (and pins the host key when told to). When that connection
 * fails the server stays added, and the same command run again picks it up and connects again:
 * adding only after a successful connection would need a second, inventory-less connect path, and
 * would still leave a half-done state behind a Ctrl-C between the two steps; a repeatable command
 * has none. Settings that differ from the stored ones are refused rather than silently changed.
 */
export async function serverAdd(ctx: CliContext, name: string, o: ServerAddOptions): Promise<ExitCode> {
  if (o.hostKey && o.acceptNewHostKey) throw new UsageError('use either --host-key or --accept-new-host-key, not both');
  const named = displayName.safeParse(name);
  if (!named.success) throw new UsageError(`server name ${named.error.issues.map((i) => i.message).join('; ')}`);
  const port = o.port === undefined ? 22 : portFlag('--port', o.port);
  const jump = o.jump ? parseJump(o.jump) : undefined;
  const clientName = o.client ?? 'Default';
  const clientId = await findOrCreateClient(ctx, clientName);
  const request: Request<'servers.add'> = {
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
  };
  const server = await addOrReuse(ctx, clientName, request);
  try {
    return await connectAndPin(ctx, server, Boolean(o.acceptNewHostKey));
  } catch (err) {
    const wire = asWire(err);
    ctx.err(`error: ${wire.message}${wire.fix ? `\n  fix: ${wire.fix}` : ''}`);
    ctx.err(
      `${server.name} stays in the inventory, not yet connected: run this same command again once that is fixed (or \`flipdeck server connect ${server.name}\`); \`flipdeck server remove ${server.name}\` takes it out.`,
    );
    return exitCodeFor(wire);
  }
}

async function addOrReuse(ctx: CliContext, clientName: string, request: Request<'servers.add'>): Promise<Server> {
  const add = async () => {
    const server = await ctx.call('servers.add', request);
    ctx.err(`added ${server.name} (${server.user}@${server.host}:${server.port})`);
    return server;
  };
  const wanted = newServerSchema.safeParse(request);
  // Invalid input: `servers.add` refuses it, naming the field.
  if (!wanted.success) return add();
  const stored = async () =>
    (await ctx.call('inventory.get', {})).servers.find(
      (s) => s.clientId === request.clientId && s.name.toLowerCase() === request.name.toLowerCase(),
    );
  const existing = await stored();
  if (existing) return reuse(ctx, clientName, existing, wanted.data);
  try {
    return await add();
  } catch (err) {
    // The same command running at the same time may have added it a moment ago.
    const raced = err instanceof CliCallError && err.wire.code === 'bad_input' ? await stored() : undefined;
    if (raced) return reuse(ctx, clientName, raced, wanted.data);
    throw err;
  }
}

/** The stored server when the command asks for exactly it again (a retry); a pin it lacked is added. */
async function reuse(ctx: CliContext, clientName: string, existing: Server, wanted: NewServer): Promise<Server> {
  const differ = settingsThatDiffer(existing, wanted);
  if (differ.length > 0)
    throw new UsageError(
      `${clientName} already has a server named ${existing.name}, with other settings (${differ.join('; ')}). Run \`flipdeck server remove ${existing.name}\` first to add it anew, or pick another name.`,
    );
  ctx.err(
    `${existing.name} is already in the inventory with these settings (${existing.user}@${existing.host}:${existing.port})`,
  );
  if (wanted.hostKey && !existing.hostKey) {
    ctx.err(`pinning host key ${wanted.hostKey}`);
    return ctx.call('servers.trustHostKey', { id: existing.id, fingerprint: wanted.hostKey, hop: 'server' });
  }
  return existing;
}

function settingsThatDiffer(existing: Server, wanted: NewServer): string[] {
  const show = (v: unknown) => (v === undefined ? 'none' : JSON.stringify(v));
  const jump = (j: Server['jump']) => (j ? `${j.user}@${j.host}:${j.port}` : undefined);
  const pairs: [string, unknown, unknown][] = [
    ['kind', existing.kind, wanted.kind],
    ['host', existing.host, wanted.host],
    ['port', existing.port, wanted.port],
    ['user', existing.user, wanted.user],
    ['identity', existing.identityFile, wanted.identityFile],
    ['passphrase secret', existing.passphraseSecret, wanted.passphraseSecret],
    ['agent', existing.useAgent, wanted.useAgent],
    ['jump', jump(existing.jump), jump(wanted.jump)],
    ['docker socket', existing.dockerSocket, wanted.dockerSocket],
    ['tags', [...existing.tags].sort().join(','), [...wanted.tags].sort().join(',')],
  ];
  const differ = pairs.filter(([, a, b]) => a !== b).map(([k, a, b]) => `${k}: stored ${show(a)}, given ${show(b)}`);
  // A pinned key is never replaced by a command line; a missing one may be added.
  if (wanted.hostKey && existing.hostKey && wanted.hostKey !== existing.hostKey)
    differ.push(`host key: pinned ${existing.hostKey}, given ${wanted.hostKey}`);
  return differ;
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
  server
    .command('remove <name>')
    .description('remove a server from the inventory (nothing on the server itself is touched)')
    .option('--client <name>', 'the client it belongs to, when several clients have a server of that name')
    .action((name: string, o: { client?: string }) =>
      run(async (ctx) => {
        const found = await serverByName(ctx, name, o.client);
        await ctx.call('servers.remove', { id: found.id });
        ctx.err(`removed ${found.name} (${found.user}@${found.host}:${found.port})`);
        return Exit.ok;
      }),
    );
}

export async function serverByName(ctx: CliContext, name: string, clientName?: string): Promise<Server> {
  const inv = await ctx.call('inventory.get', {});
  const client = clientName ? inv.clients.find((c) => c.name.toLowerCase() === clientName.toLowerCase()) : undefined;
  if (clientName && !client) throw new UsageError(`no client named ${JSON.stringify(clientName)}`);
  const found = inv.servers.filter((s) => s.name === name && (!client || s.clientId === client.id));
  if (found.length === 0) throw new UsageError(`no server named ${JSON.stringify(name)}; see \`flipdeck server list\``);
  if (found.length > 1)
    throw new UsageError(
      `${found.length} servers are named ${JSON.stringify(name)} (in different clients); rename one`,
    );
  return found[0]!;
}
