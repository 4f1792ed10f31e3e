// Terminal and log streams against the real lab: an SSH shell on the lab server, an exec shell in a
// container of the lab's dockerd, a pool's logs followed (batched, labelled per worker), a shell
// ended by a cut connection, and each one's audit records.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Events } from '../../../shared/ipc-contract';
import type { LogLine } from '../../../shared/streams';
import { cutRelay, restoreRelay } from '../../../e2e/lab/relay-control';
import { applyEnv, cleanEnv, L, labDocker, labHome } from '../../../e2e/lab/lab-cli';
import { dispatch } from '../dispatch';
import { createHostServices, type HostServices } from '../services';

const ENV = 'streamtest';
let services: HostServices;
const events: { name: string; payload: unknown }[] = [];

async function call<T>(channel: string, request: unknown): Promise<T> {
  const r = await dispatch(services.handlers, channel, request, { transport: 'test' });
  if (!r.ok) throw new Error(`${channel}: ${r.error.message}`);
  return r.value as T;
}

function terminalEvents(stream: string) {
  return events
    .filter((e) => e.name === 'terminal.event' && (e.payload as Events['terminal.event']).stream === stream)
    .map((e) => (e.payload as Events['terminal.event']).event);
}
const output = (stream: string) =>
  terminalEvents(stream)
    .map((e) => (e.kind === 'data' ? e.data : ''))
    .join('');

async function until<T>(what: string, f: () => T | undefined | false, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function serverId(name: string): Promise<string> {
  const inv = await call<{ servers: { id: string; name: string }[] }>('inventory.get', {});
  return inv.servers.find((s) => s.name === name)!.id;
}

/** A container labelled as a web worker of ENV that writes Odoo-style log lines, then sleeps. */
async function fakeWorker(name: string, pool: string, lines: number) {
  // One awk process prints every line: a shell loop forks per line and, on a busy machine, takes
  // longer to print than the test waits (the log-follow timeout seen under load was this, not the follow).
  const script = `awk 'BEGIN { for (i = 0; i < ${lines}; i++) printf "2026-11-25 12:00:00,000 1 %s ${ENV} odoo.test: line %d of ${name}\\n", (i % 10 == 0 ? "ERROR" : "INFO"), i }'; exec sleep 600`;
  const c = await labDocker.createContainer({
    name,
    Image: L.images.base,
    Cmd: ['/bin/sh', '-c', script],
    Labels: {
      'io.flipdeck.managed': 'true',
      'io.flipdeck.environment': ENV,
      'io.flipdeck.role': 'web',
      'io.flipdeck.pool': pool,
    },
  });
  await c.start();
  return c;
}

beforeAll(async () => {
  await cleanEnv(ENV);
  const work = await labHome('streams');
  await applyEnv(work, ENV, 18_950, '/nonexistent-not-deployed');
  services = await createHostServices({ transport: 'cli' });
  services.onEvent((name, payload) => events.push({ name, payload }));
  // A second server through the relay, for the cut.
  await call('servers.add', {
    clientId: (await call<{ clients: { id: string }[] }>('inventory.get', {})).clients[0]!.id,
    name: 'lab-relay',
    host: L.relay.host,
    port: L.relay.port,
    user: L.ssh.user,
    identityFile: L.ssh.identity,
    dockerSocket: L.dockerSocket,
    hostKey: L.ssh.hostKeySha256,
  });
});

afterAll(async () => {
  await restoreRelay().catch(() => undefined);
  await services?.close();
  await cleanEnv(ENV);
});

describe('terminal pane streams', () => {
  it('runs a shell on the server over SSH: output, resize, exit status, audited without what was typed', async () => {
    const { stream, title } = await call<{ stream: string; title: string }>('terminal.open', {
      server: await serverId('lab'),
      target: { kind: 'server' },
      cols: 100,
      rows: 30,
    });
    expect(title).toBe('lab');
    await call('terminal.input', { stream, data: 'echo "sum=$((6*7))"; stty size\n' });
    await until('the shell output', () => /sum=42/.test(output(stream)) && /30 100/.test(output(stream)));
    await call('terminal.resize', { stream, cols: 120, rows: 40 });
    await call('terminal.input', { stream, data: 'stty size; exit 3\n' });
    const end = await until('the end event', () => terminalEvents(stream).find((e) => e.kind === 'end'));
    expect(output(stream)).toMatch(/40 120/);
    expect(end).toMatchObject({ kind: 'end', exitCode: 3 });
    const audit = await call<
      { action: string; exitCode?: number | null; argv?: string[]; detail?: Record<string, unknown> }[]
    >('audit.list', { kinds: ['terminal'], limit: 10 });
    const closed = audit.find((r) => r.action === 'terminal.close');
    expect(closed).toMatchObject({
      exitCode: 3,
      argv: ['ssh', '-t', `${L.ssh.user}@${L.ssh.host}`, '-p', String(L.ssh.port)],
    });
    expect(closed?.detail?.['bytesIn']).toBeGreaterThan(10);
    expect(JSON.stringify(audit)).not.toContain('6*7');
    await expect(call('terminal.input', { stream, data: 'x' })).rejects.toThrow(/ended/);
  });

  it('opens a shell inside a container through the Docker API and runs a command there', async () => {
    const c = await fakeWorker(`${ENV}-blue-9`, 'blue', 1);
    const { stream } = await call<{ stream: string }>('terminal.open', {
      server: await serverId('lab'),
      target: { kind: 'container', container: `${ENV}-blue-9` },
      cols: 80,
      rows: 24,
    });
    await call('terminal.input', { stream, data: 'cat /etc/hostname; exit\n' });
    await until('the end event', () => terminalEvents(stream).find((e) => e.kind === 'end'));
    expect(output(stream)).toContain(c.id.slice(0, 12));
    expect(terminalEvents(stream).find((e) => e.kind === 'end')).toMatchObject({ exitCode: 0 });
    await c.remove({ force: true });
    await expect(
      call('terminal.open', {
        server: await serverId('lab'),
        target: { kind: 'container', container: 'no-such-container' },
        cols: 80,
        rows: 24,
      }),
    ).rejects.toThrow(/no container named no-such-container/);
    await expect(
      call('terminal.open', {
        server: await serverId('lab'),
        target: { kind: 'container', container: 'x; rm -rf /' },
        cols: 80,
        rows: 24,
      }),
    ).rejects.toThrow(/container name/);
  });

  it('ends the terminal cleanly when the connection drops', async () => {
    const { stream } = await call<{ stream: string }>('terminal.open', {
      server: await serverId('lab-relay'),
      target: { kind: 'server' },
      cols: 80,
      rows: 24,
    });
    await call('terminal.input', { stream, data: 'echo ready\n' });
    await until('the prompt', () => /ready/.test(output(stream)));
    expect(await cutRelay()).toBeGreaterThan(0);
    const end = await until('the end event', () => terminalEvents(stream).find((e) => e.kind === 'end'));
    expect(end).toMatchObject({ kind: 'end', exitCode: null, reason: expect.stringMatching(/closed/) });
    await restoreRelay();
  });
});

describe('log streams', () => {
  it('follows a whole pool, each line labelled with its worker, in batches, until stopped', async () => {
    const workers = await Promise.all([
      fakeWorker(`${ENV}-blue-1`, 'blue', 3000),
      fakeWorker(`${ENV}-blue-2`, 'blue', 3000),
      fakeWorker(`${ENV}-green-1`, 'green', 5),
    ]);
    await new Promise((r) => setTimeout(r, 1500));
    const { stream } = await call<{ stream: string }>('logs.follow', {
      server: 'lab',
      env: ENV,
      pool: 'blue',
      tail: 5000,
    });
    const mine = () =>
      events
        .filter((e) => e.name === 'logs.event' && (e.payload as Events['logs.event']).stream === stream)
        .map((e) => (e.payload as Events['logs.event']).event);
    const lines = () => mine().flatMap((e) => (e.kind === 'lines' ? e.lines : ([] as LogLine[])));
    await until('6000 lines', () => lines().length >= 6000);
    const batches = mine().filter((e) => e.kind === 'lines').length;
    expect(batches).toBeLessThan(100); // batched: thousands of lines, a few messages
    expect(new Set(lines().map((l) => l.worker))).toEqual(new Set([`${ENV}-blue-1`, `${ENV}-blue-2`]));
    expect(lines().find((l) => l.worker === `${ENV}-blue-2`)?.text).toMatch(
      /^2026-11-25 12:00:00,000 1 ERROR streamtest odoo.test: line 0 of streamtest-blue-2$/,
    );
    await call('logs.stop', { stream });
    await until('the end event', () => mine().find((e) => e.kind === 'end'));
    expect(mine().find((e) => e.kind === 'end')).toMatchObject({ reason: 'stopped' });
    await Promise.all(workers.map((w) => w.remove({ force: true })));
  });

  it('says which worker it cannot follow', async () => {
    const { stream } = await call<{ stream: string }>('logs.follow', {
      server: 'lab',
      env: ENV,
      worker: `${ENV}-blue-7`,
      tail: 10,
    });
    const err = await until('the error event', () =>
      events.map((e) => e.payload as Events['logs.event']).find((p) => p.stream === stream && p.event.kind === 'error'),
    );
    expect(err.event).toMatchObject({
      kind: 'error',
      error: { code: 'not_found', message: expect.stringContaining(`${ENV}-blue-7`) },
    });
  });
});
