// `npm run bench:ui`: the app in Debian Chromium through the browser host, against the lab. Prints,
// in one run: (1) a fleet of 100 servers → time to first paint and to full status; (2) the log pane
// following a worker that writes ~20k lines/s → lines/s sustained and the longest frame; (3) the
// terminal → bytes/s echoed. Traffic stays on loopback: the lab's sshd answers on 127.0.0.1–11
// itself (OpenSSH listens on at most 16 addresses) and this script forwards 127.0.0.12–101 to it.
// Every loop is bounded in count and time. Not part of the test command.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { chromium, type Page } from 'playwright-core';
import { labUp, readLabState } from '../e2e/lab/lab';
import { dispatch } from '../main/host/dispatch';
import { createHostServices } from '../main/host/services';
import { startBrowserHost } from '../main/host/browser/server';
import { CHROMIUM } from '../playwright.config';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SERVERS = 100;
const LOG_LINES = 200_000; // ~20k lines/s for ~10 s
const TERMINAL_BYTES = 4_000_000;

function forwarders(addresses: string[], to: { host: string; port: number }): Promise<net.Server[]> {
  return Promise.all(
    addresses.map(
      (a) =>
        new Promise<net.Server>((resolve, reject) => {
          const srv = net.createServer((c) => {
            const up = net.connect(to.port, to.host);
            c.pipe(up).pipe(c);
            c.on('error', () => up.destroy());
            up.on('error', () => c.destroy());
          });
          srv.once('error', reject);
          srv.listen(to.port, a, () => resolve(srv));
        }),
    ),
  );
}

async function until<T>(what: string, f: () => Promise<T | false | null | undefined>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Longest gap between animation frames in the page while `work` runs. */
async function longestFrame<T>(
  page: Page,
  work: () => Promise<T>,
): Promise<{ result: T; longestFrameMs: number; p95FrameMs: number; framesOver50ms: number; frames: number }> {
  // A string, not a function: tsx would wrap a function with helpers the page does not have.
  await page.evaluate(`(() => {
    window.__frames = [];
    window.__stop = false;
    let last = performance.now();
    const tick = (t) => {
      window.__frames.push(t - last);
      last = t;
      if (!window.__stop) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })()`);
  const result = await work();
  const frames = await page.evaluate<number[]>('(() => { window.__stop = true; return window.__frames.slice(1); })()');
  const sorted = [...frames].sort((a, b) => a - b);
  return {
    result,
    longestFrameMs: Math.round(Math.max(0, ...frames)),
    p95FrameMs: Math.round(sorted[Math.floor(sorted.length * 0.95)] ?? 0),
    framesOver50ms: frames.filter((f) => f > 50).length,
    frames: frames.length,
  };
}

async function run() {
  await labUp();
  const lab = readLabState();
  const docker = new Docker({ socketPath: lab.dockerSocket });
  const home = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-bench-ui-'));
  const services = await createHostServices({
    home,
    transport: 'browser',
    env: {
      ...process.env,
      FLIPDECK_HOME: home,
      FLIPDECK_AUDIT_KEY: 'ef'.repeat(32),
      FLIPDECK_AUDIT_DIR: `${home}-audit`,
    },
  });
  const call = async <T>(channel: string, request: unknown) => {
    const r = await dispatch(services.handlers, channel, request, { transport: 'test' });
    if (!r.ok) throw new Error(`${channel}: ${r.error.message}`);
    return r.value as T;
  };
  const extra = Array.from(
    { length: SERVERS - 1 - lab.fleetAddresses.length },
    (_, i) => `127.0.0.${lab.fleetAddresses.length + 2 + i}`,
  );
  const fwd = await forwarders(extra, { host: lab.ssh.host, port: lab.ssh.port });
  const addresses = [lab.ssh.host, ...lab.fleetAddresses, ...extra];
  const clients = await Promise.all(
    ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli'].map((name, i) =>
      call<{ id: string }>('clients.add', { name, tags: [i % 2 ? 'eu' : 'us'] }),
    ),
  );
  for (let i = 0; i < SERVERS; i++) {
    await call('servers.add', {
      clientId: clients[i % clients.length]!.id,
      name: `srv-${String(i + 1).padStart(3, '0')}`,
      host: addresses[i],
      port: lab.ssh.port,
      user: lab.ssh.user,
      identityFile: lab.ssh.identity,
      dockerSocket: lab.dockerSocket,
      hostKey: lab.ssh.hostKeySha256,
      tags: [i % 3 ? 'prod' : 'staging'],
    });
  }
  await services.environments.apply({
    server: 'srv-001',
    name: 'benchlogs',
    image: lab.images.base,
    replicas: 1,
    public_bind: '127.0.0.1:18990',
    edge_image: lab.images.proxy,
    db_image: lab.images.postgres,
  });
  const host = await startBrowserHost({ services, rendererDir: path.join(ROOT, 'out', 'renderer') });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const rows = page.locator('[data-testid^="fleet-row-"]');
  try {
    // (1) Fleet: first paint (every row listed), then full status (every row answered).
    const t0 = Date.now();
    await page.goto(host.url);
    await until('the fleet list', async () => (await rows.count()) === SERVERS, 30_000);
    const firstPaintMs = Date.now() - t0;
    await until(
      "every server's status",
      async () => (await page.locator('[data-testid^="fleet-row-"][data-state="loading"]').count()) === 0,
      180_000,
    );
    const fullStatusMs = Date.now() - t0;
    const healthy = await page.locator('[data-testid^="fleet-row-"][data-state="ok"]').count();

    // (2) Log pane: a worker that writes LOG_LINES Odoo-style lines at ~20k lines/s.
    const name = 'flipdeck-benchlogs-blue-1';
    await docker
      .getContainer(name)
      .remove({ force: true })
      .catch(() => undefined);
    await page.getByRole('tree', { name: 'Clients and servers' }).getByText('srv-001', { exact: true }).click();
    const script = `sleep 3; i=0; while [ $i -lt ${LOG_LINES / 2000} ]; do yes "2026-11-25 12:00:00,000 7 INFO benchlogs odoo.addons.bench: a line of about one hundred characters, as Odoo writes them" | head -n 2000; sleep 0.1; i=$((i+1)); done; exec sleep 600`;
    const c = await docker.createContainer({
      name,
      Image: lab.images.base,
      Cmd: ['/bin/sh', '-c', script],
      Labels: {
        'io.flipdeck.managed': 'true',
        'io.flipdeck.environment': 'benchlogs',
        'io.flipdeck.role': 'web',
        'io.flipdeck.pool': 'blue',
      },
    });
    await c.start();
    await page.getByRole('button', { name: `Logs of ${name}` }).click({ timeout: 30_000 });
    const count = async () => Number(((await page.getByTestId('log-count').textContent()) ?? '0').replace(/\D.*$/, ''));
    const logs = await longestFrame(page, async () => {
      await until('the first lines', async () => (await count()) > 0, 30_000);
      const start = Date.now();
      const first = await count();
      await until('every line', async () => (await count()) >= LOG_LINES, 120_000).catch(() => undefined);
      return { lines: (await count()) - first, ms: Date.now() - start };
    });
    await c.remove({ force: true });

    // (3) Terminal: a shell on the server printing TERMINAL_BYTES of text.
    await page.getByRole('button', { name: 'Terminal', exact: true }).click();
    const term = page.getByTestId('terminal-srv-001');
    await term.locator('.xterm-screen').click();
    await page.keyboard.type('clear\n');
    const lines = TERMINAL_BYTES / 100;
    const t1 = Date.now();
    await page.keyboard.type(`yes "$(printf '%099d' 0)" | head -n ${lines}; echo BENCH-$((6*7))-DONE\n`);
    await until(
      'the end marker',
      async () => (await term.locator('.xterm-rows').textContent())?.includes('BENCH-42-DONE'),
      120_000,
    );
    const terminalMs = Date.now() - t1;

    const figures = {
      fleet: { servers: SERVERS, healthy, firstPaintMs, fullStatusMs },
      logs: {
        lines: logs.result.lines,
        seconds: logs.result.ms / 1000,
        linesPerSecond: Math.round(logs.result.lines / (logs.result.ms / 1000)),
        longestFrameMs: logs.longestFrameMs,
        p95FrameMs: logs.p95FrameMs,
        framesOver50ms: logs.framesOver50ms,
        frames: logs.frames,
      },
      terminal: {
        bytes: TERMINAL_BYTES,
        seconds: terminalMs / 1000,
        bytesPerSecond: Math.round(TERMINAL_BYTES / (terminalMs / 1000)),
      },
    };
    console.log(
      `fleet of ${SERVERS} servers   first paint ${firstPaintMs} ms · full status ${(fullStatusMs / 1000).toFixed(1)} s (${healthy} healthy)`,
    );
    console.log(
      `log pane            ${figures.logs.linesPerSecond} lines/s sustained over ${figures.logs.seconds.toFixed(1)} s (${logs.result.lines} lines) · frames: longest ${logs.longestFrameMs} ms, p95 ${logs.p95FrameMs} ms, ${logs.framesOver50ms} of ${logs.frames} over 50 ms`,
    );
    console.log(
      `terminal            ${(figures.terminal.bytesPerSecond / 1e6).toFixed(2)} MB/s echoed (${TERMINAL_BYTES / 1e6} MB in ${figures.terminal.seconds.toFixed(1)} s)`,
    );
    await page.screenshot({ path: path.join(ROOT, 'bench', 'results', 'ui-terminal.png') });
    const outDir = path.join(ROOT, 'bench', 'results');
    mkdirSync(outDir, { recursive: true });
    const file = path.join(outDir, `ui-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(
      file,
      JSON.stringify(
        {
          at: new Date().toISOString(),
          machine: { cpus: os.cpus().length, memGiB: Math.round(os.totalmem() / 1024 ** 3) },
          ...figures,
        },
        null,
        2,
      ),
    );
    console.log(`\nwritten: ${path.relative(ROOT, file)}`);
  } finally {
    await browser.close();
    await host.close();
    await services.close();
    for (const s of fwd) s.close();
    await docker
      .getContainer('flipdeck-benchlogs-blue-1')
      .remove({ force: true })
      .catch(() => undefined);
  }
}

run().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
