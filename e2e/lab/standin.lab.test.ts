// The Odoo stand-in behaves like Odoo where deploys care (see odoo-standin/README.md's table).
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLabState } from './lab';
import { ADDONS, StandinKit } from './standin-kit';
import { browserLogin } from './odoo-login';

const kit = new StandinKit(readLabState(), 'standin');
const DB = ['-d', 'shop'];

async function get(url: string, init?: RequestInit & { timeoutMs?: number }) {
  const r = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(init?.timeoutMs ?? 15_000) });
  return { status: r.status, body: await r.text(), headers: r.headers };
}

beforeAll(async () => {
  await kit.setup();
  await kit.postgres();
  const init = await kit.runOnce([...DB, '-i', 'base,flipdeck_lab', '--stop-after-init', ...kit.addonsPath(1)], {
    addons: [ADDONS.good],
  });
  expect(init.code, init.output).toBe(0);
}, 120_000);
afterAll(() => kit.cleanup());

describe('Odoo stand-in', () => {
  it('answers /web/health at once, and /web/login only once the registry has loaded (held open meanwhile)', async () => {
    const { url, container } = await kit.worker('boot', [...DB], { env: ['STANDIN_BOOT_SECONDS=2'] });
    await kit.waitForLog(container, /HTTP service/, 10_000);
    expect((await get(`${url}/web/health`)).status).toBe(200);
    const started = Date.now();
    const login = await get(`${url}/web/login`);
    expect(login.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThan(800);
    expect(login.headers.get('x-flipdeck-worker')).toMatch(/^[0-9a-f]{12}$/);
  });

  it('never finishes booting when asked to hang', async () => {
    const { url, container } = await kit.worker('hang', [...DB], { env: ['STANDIN_BOOT_HANG=1'] });
    await kit.waitForLog(container, /HTTP service/, 10_000);
    await expect(get(`${url}/web/login`, { timeoutMs: 1500 })).rejects.toThrow();
    expect((await get(`${url}/web/health`)).status).toBe(200);
  });

  it('reports the database in /web/health?db_server_status=1 (500 when PostgreSQL is down)', async () => {
    await kit.postgres('db2');
    const { url, container } = await kit.worker('health', [...DB], { env: ['STANDIN_BOOT_SECONDS=0', 'HOST=db2'] });
    await kit.waitForLog(container, /Registry loaded/, 10_000);
    expect(JSON.parse((await get(`${url}/web/health?db_server_status=1`)).body)).toEqual({
      status: 'pass',
      db_server_status: true,
    });
    await kit.docker.getContainer(`${kit.label}-db2`).stop({ t: 1 });
    const down = await get(`${url}/web/health?db_server_status=1`);
    expect(down.status).toBe(500);
    expect(JSON.parse(down.body)).toEqual({ status: 'fail', db_server_status: false });
  });

  it('keeps a login valid across two workers sharing one data volume (file sessions)', async () => {
    const volume = `${kit.label}-data`;
    await kit.docker.createVolume({ Name: volume, Labels: { 'io.flipdeck.test': kit.label } });
    const a = await kit.worker('blue-1', [...DB], { env: ['STANDIN_BOOT_SECONDS=0'], volume });
    const b = await kit.worker('green-1', [...DB], { env: ['STANDIN_BOOT_SECONDS=0'], volume });
    await kit.waitForLog(b.container, /Registry loaded/, 10_000);
    const login = await browserLogin(a.url, 'admin', 'admin');
    expect(login.status).toBe(303);
    const cookie = login.cookie!;
    const info = await get(`${b.url}/web/session/get_session_info`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: '{"id":1}',
    });
    expect(JSON.parse(info.body)).toMatchObject({ result: { username: 'admin', db: 'shop' } });
    const wrong = await browserLogin(a.url, 'admin', 'nope');
    expect(wrong.body).toContain('Wrong login/password');
  });

  it('serves addon routes (a slow request) and skips an addon whose dependency is missing', async () => {
    const { url, container } = await kit.worker('addons', [...DB, ...kit.addonsPath(2)], {
      addons: [ADDONS.good, ADDONS.missingDep],
      env: ['STANDIN_BOOT_SECONDS=0'],
    });
    await kit.waitForLog(container, /Registry loaded/, 10_000);
    const started = Date.now();
    expect((await get(`${url}/flipdeck_lab/slow?seconds=1`)).body).toBe('slept 1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(await kit.logs(container)).toMatch(
      /WARNING .*flipdeck_needs_missing: some depends are not loaded, ignored: flipdeck_does_not_exist/,
    );
  });

  it('stops start-up when an addon fails to import', async () => {
    const r = await kit.runOnce([...DB, ...kit.addonsPath(1)], { addons: [ADDONS.broken] });
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/ModuleNotFoundError: No module named 'flipdeck_this_package_does_not_exist'/);
  });

  it('records module versions on -u with --stop-after-init, ignoring unknown names as Odoo does', async () => {
    const r = await kit.runOnce([...DB, '-u', 'flipdeck_lab,unknown_mod', '--stop-after-init', ...kit.addonsPath(1)], {
      addons: [ADDONS.good],
    });
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/invalid module names, ignored: unknown_mod/);
    expect(await kit.sql("SELECT latest_version FROM ir_module_module WHERE name = 'flipdeck_lab'")).toBe('17.0.1.0.0');
  });

  it('runs cron heartbeats only with max_cron_threads > 0, tagged with the pool', async () => {
    await kit.sql('DELETE FROM flipdeck_cron_heartbeat');
    const web = await kit.worker('web', [...DB, '--max-cron-threads', '0'], {
      env: ['STANDIN_BOOT_SECONDS=0', 'STANDIN_CRON_INTERVAL=0.2', 'FLIPDECK_POOL=blue'],
    });
    const cron = await kit.worker('cron', [...DB, '--max-cron-threads', '1'], {
      env: ['STANDIN_BOOT_SECONDS=0', 'STANDIN_CRON_INTERVAL=0.2', 'FLIPDECK_POOL=green'],
    });
    await kit.waitForLog(web.container, /Registry loaded/, 10_000);
    await kit.waitForLog(cron.container, /cron runner started/, 10_000);
    await new Promise((r) => setTimeout(r, 1500));
    const pools = await kit.sql('SELECT DISTINCT pool FROM flipdeck_cron_heartbeat');
    expect(pools).toBe('green');
    expect(Number(await kit.sql('SELECT count(*) FROM flipdeck_cron_heartbeat'))).toBeGreaterThanOrEqual(3);
  });

  it('finishes in-flight requests on SIGTERM before exiting 0', async () => {
    const { url, container } = await kit.worker('term', [...DB, ...kit.addonsPath(1)], {
      addons: [ADDONS.good],
      env: ['STANDIN_BOOT_SECONDS=0'],
    });
    await kit.waitForLog(container, /Registry loaded/, 10_000);
    const slow = get(`${url}/flipdeck_lab/slow?seconds=1.5`);
    await new Promise((r) => setTimeout(r, 300));
    await container.kill({ signal: 'SIGTERM' });
    expect((await slow).status).toBe(200);
    expect(((await container.wait()) as { StatusCode: number }).StatusCode).toBe(0);
  });

  describe('server mode (odoo/service/server.py, addons/bus/websocket.py)', () => {
    const upgrade = (url: string) =>
      new Promise<{ opened: boolean; first?: string; error?: string }>((resolve) => {
        const ws = new WebSocket(url.replace(/^http/, 'ws') + '/websocket');
        const t = setTimeout(() => (ws.close(), resolve({ opened: false, error: 'timeout' })), 5000);
        ws.addEventListener(
          'message',
          (e) => (clearTimeout(t), ws.close(), resolve({ opened: true, first: String(e.data) })),
        );
        ws.addEventListener('error', () => (clearTimeout(t), resolve({ opened: false, error: 'refused or failed' })));
      });
    // A raw upgrade request: fetch may not send Upgrade/Connection, and a WebSocket hides the status.
    const upgradeRequest = (url: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.get(url, {
          headers: {
            Connection: 'Upgrade',
            Upgrade: 'websocket',
            'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
            'Sec-WebSocket-Version': '13',
          },
          timeout: 5000,
        });
        req.on('response', (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('upgrade', (res, socket) => (socket.destroy(), resolve({ status: res.statusCode ?? 101, body: '' })));
        req.on('error', reject);
      });
    // The gevent port answers nothing when no process listens there: the connection is refused or reset.
    const listens = (url: string) =>
      fetch(`${url}/web/health`, { signal: AbortSignal.timeout(3000) }).then(
        () => true,
        () => false,
      );

    it('threaded (workers 0, the stock conf): the bus on the HTTP port, nothing on the gevent port', async () => {
      const { url, geventUrl, container } = await kit.worker('threaded', [...DB, '--workers', '0'], {
        env: ['STANDIN_BOOT_SECONDS=0'],
      });
      await kit.waitForLog(container, /Registry loaded/, 10_000);
      expect(await upgrade(url)).toMatchObject({ opened: true });
      expect(await listens(geventUrl)).toBe(false);
    });

    it('prefork (workers 2): HTTP workers answer /websocket with 500, the gevent process serves it', async () => {
      const { url, geventUrl, container } = await kit.worker('prefork', [...DB, '--workers', '2'], {
        env: ['STANDIN_BOOT_SECONDS=0'],
      });
      await kit.waitForLog(container, /Registry loaded/, 10_000);
      const refused = await upgradeRequest(`${url}/websocket`);
      expect(refused.status).toBe(500);
      expect(refused.body).toContain(
        "Couldn't bind the websocket. Is the connection opened on the evented port (8072)?",
      );
      expect(await upgrade(geventUrl)).toMatchObject({ opened: true });
    });

    it('14/15: /longpolling/poll in place of /websocket, refused by prefork HTTP workers ("bus.Bus unavailable")', async () => {
      const { url, geventUrl, container } = await kit.worker('longpolling', [...DB, '--workers', '2'], {
        env: ['STANDIN_BOOT_SECONDS=0', 'STANDIN_ODOO_VERSION=15.0', 'STANDIN_LONGPOLL_SECONDS=0.2'],
      });
      await kit.waitForLog(container, /Registry loaded/, 10_000);
      expect((await get(`${url}/websocket`)).status).toBe(404);
      const http = await get(`${url}/longpolling/poll`, { method: 'POST', body: '{}' });
      expect([http.status, http.body]).toEqual([500, expect.stringContaining('bus.Bus unavailable')]);
      expect((await get(`${geventUrl}/longpolling/poll`, { method: 'POST', body: '{}' })).status).toBe(200);
    });
  });
});
