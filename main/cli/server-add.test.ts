// `flipdeck server add` when its first connection fails, is run again, or runs several times at once:
// no half-added server blocks a retry, and the exit code tells what happened. No SSH server needed:
// the real command meets a closed port, and the rest stub only the connection.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConnectOutcome } from '../../shared/model';
import { FlipdeckError } from '../../shared/errors';
import { dispatch } from '../host/dispatch';
import { createHostServices } from '../host/services';
import { InventoryStore } from '../store/inventory';
import { CliCallError, type CliContext } from './context';
import { Exit } from './exit-codes';
import { main } from './index';
import { serverAdd, type ServerAddOptions } from './commands/server';

const AUDIT_KEY = 'ef'.repeat(32);
const roots: string[] = [];
let home = '';
const saved = { home: process.env.FLIPDECK_HOME, key: process.env.FLIPDECK_AUDIT_KEY };

beforeEach(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-add-'));
  roots.push(home);
  process.env.FLIPDECK_HOME = home;
  process.env.FLIPDECK_AUDIT_KEY = AUDIT_KEY;
});
afterEach(() => {
  if (saved.home === undefined) delete process.env.FLIPDECK_HOME;
  else process.env.FLIPDECK_HOME = saved.home;
  if (saved.key === undefined) delete process.env.FLIPDECK_AUDIT_KEY;
  else process.env.FLIPDECK_AUDIT_KEY = saved.key;
});
afterAll(() => {
  for (const dir of roots) rmSync(dir, { recursive: true, force: true });
});

async function cli(...argv: string[]) {
  const err: string[] = [];
  const code = await main(argv, { out: () => undefined, err: (t) => err.push(t) });
  return { code, err: err.join('\n') };
}

/** The CLI's own context on `home`, with only `servers.connect` answered by `connect`. */
async function withStubbedConnect(connect: () => Promise<ConnectOutcome>) {
  const err: string[] = [];
  const services = await createHostServices({
    home,
    transport: 'cli',
    env: { FLIPDECK_AUDIT_KEY: AUDIT_KEY },
    warn: (t) => err.push(`warning: ${t}`),
  });
  const ctx: CliContext = {
    services,
    async call(channel, request) {
      if (channel === 'servers.connect') return (await connect()) as never;
      const r = await dispatch(services.handlers, channel, request, { transport: 'cli' });
      if (!r.ok) throw new CliCallError(r.error);
      return r.value as never;
    },
    out: () => undefined,
    err: (t) => err.push(t),
  };
  return { ctx, err: () => err.join('\n'), close: () => services.close() };
}

const connected = async (): Promise<ConnectOutcome> => ({
  kind: 'connected',
  docker: { version: '27.0.0', apiVersion: '1.46', os: 'linux', supported: true },
});
const unreachable = async (): Promise<ConnectOutcome> => {
  throw new FlipdeckError('unreachable', 'cannot reach deploy@10.0.0.5:22: ECONNREFUSED');
};

const addOptions: ServerAddOptions = { host: '10.0.0.5', user: 'deploy', identity: '~/.ssh/id_ed25519' };

function storedServers() {
  const inv = new InventoryStore(home);
  return inv.get().servers;
}

async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

describe('flipdeck server add', { timeout: 30_000 }, () => {
  it('whose first connection fails keeps the server, says so with a non-zero exit, and the same command again gets past "already exists"', async () => {
    const identity = path.join(home, 'id_ed25519');
    writeFileSync(identity, ssh2.utils.generateKeyPairSync('ed25519').private, { mode: 0o600 });
    const args = ['server', 'add', 'web1', '--host', '127.0.0.1', '--port', String(await closedPort())];
    const argv = [...args, '--user', 'deploy', '--identity', identity];

    const first = await cli(...argv);
    expect(first.code).toBe(Exit.failed);
    expect(first.err).toMatch(/added web1/);
    expect(first.err).toMatch(/cannot reach/);
    expect(first.err).toMatch(/web1 stays in the inventory.*run this same command again/);

    const again = await cli(...argv);
    expect(again.err).not.toMatch(/already has a server/);
    expect(again.err).toMatch(/web1 is already in the inventory with these settings/);
    expect(again.err).toMatch(/cannot reach/);
    expect(again.code).toBe(Exit.failed);
    expect(storedServers().map((s) => s.name)).toEqual(['web1']);
  });

  it('run again once the server is reachable succeeds (exit 0) with the one server', async () => {
    const first = await withStubbedConnect(unreachable);
    expect(await serverAdd(first.ctx, 'web1', addOptions)).toBe(Exit.failed);
    expect(first.err()).toMatch(/added web1[\s\S]*error: cannot reach[\s\S]*web1 stays in the inventory/);
    await first.close();

    const second = await withStubbedConnect(connected);
    expect(await serverAdd(second.ctx, 'web1', addOptions)).toBe(Exit.ok);
    expect(second.err()).toMatch(/already in the inventory[\s\S]*connected: Docker 27.0.0/);
    await second.close();
    expect(storedServers()).toEqual([expect.objectContaining({ name: 'web1', host: '10.0.0.5', port: 22 })]);
  });

  it('pins the key given on the retry after a refused first contact', async () => {
    const fp = 'SHA256:' + 'K'.repeat(43);
    const first = await withStubbedConnect(async () => ({
      kind: 'host_key_unknown',
      hop: 'server',
      fingerprint: fp,
      algorithm: 'ssh-ed25519',
    }));
    expect(await serverAdd(first.ctx, 'web1', addOptions)).toBe(Exit.refused);
    await first.close();
    const second = await withStubbedConnect(connected);
    expect(await serverAdd(second.ctx, 'web1', { ...addOptions, hostKey: fp })).toBe(Exit.ok);
    await second.close();
    expect(storedServers()).toEqual([expect.objectContaining({ name: 'web1', hostKey: fp })]);
  });

  it('refuses other settings under the same name (exit 2, naming them) until `server remove`', async () => {
    const first = await withStubbedConnect(unreachable);
    await serverAdd(first.ctx, 'web1', addOptions);
    await first.close();

    const changed = await cli('server', 'add', 'web1', '--host', '10.0.0.5', '--port', '2222', '--user', 'deploy');
    expect(changed.code).toBe(Exit.usage);
    expect(changed.err).toMatch(/already has a server named web1, with other settings \(port: stored 22, given 2222;/);
    expect(changed.err).toMatch(/flipdeck server remove web1/);
    expect(storedServers().map((s) => s.port)).toEqual([22]);

    expect((await cli('server', 'remove', 'web1')).code).toBe(Exit.ok);
    expect(storedServers()).toEqual([]);
    const retry = await withStubbedConnect(connected);
    expect(await serverAdd(retry.ctx, 'web1', { ...addOptions, port: '2222' })).toBe(Exit.ok);
    await retry.close();
    expect(storedServers().map((s) => s.port)).toEqual([2222]);
  });

  it('a server that was added is not reported as failed when its audit record cannot be written', async () => {
    const run = await withStubbedConnect(connected);
    // Once the log is open (opening it checks it), every append fails (EISDIR).
    rmSync(path.join(home, 'audit.log'), { force: true });
    mkdirSync(path.join(home, 'audit.log'));
    expect(await serverAdd(run.ctx, 'web1', addOptions)).toBe(Exit.ok);
    expect(run.err()).toMatch(/warning: server.add was done, but the audit log could not record it/);
    expect(run.err()).toMatch(/added web1/);
    await run.close();
    expect(storedServers().map((s) => s.name)).toEqual(['web1']);
  });

  it('6 at once on a fresh home: all 6 added under one Default client, each exit 0', async () => {
    const runs = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const one = await withStubbedConnect(connected);
        try {
          return { code: await serverAdd(one.ctx, `web${i}`, addOptions), err: one.err() };
        } finally {
          await one.close();
        }
      }),
    );
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0]);
    const inv = new InventoryStore(home).get();
    expect(inv.clients.map((c) => c.name)).toEqual(['Default']);
    expect(inv.servers.map((s) => s.name).sort()).toEqual(['web0', 'web1', 'web2', 'web3', 'web4', 'web5']);
  });
});
