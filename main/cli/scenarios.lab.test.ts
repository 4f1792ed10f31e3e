// Life around deploys, against the lab: two environments on one server, an edge that restarts or is
// already there, a login that survives the flip, and hostile environment values that never run.
import { existsSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envNames } from '../engine/core/names';
import { sourceDir, steadyLoad } from '../../e2e/lab/lab-deploy';
import { L, applyEnv, cleanEnv, cli, labDocker, labHome, servingPool, status } from '../../e2e/lab/lab-cli';
import { browserLogin, downloadAttachment, uploadAttachment } from '../../e2e/lab/odoo-login';

const A = { name: 'twoa', port: 18_400 };
const B = { name: 'twob', port: 18_401 };
const W = { name: 'wstest', port: 18_402 };
const WP = { name: 'wspre', port: 18_404 };
let work = '';
const MARKER = '/tmp/flipdeck-hostile-marker';

beforeAll(async () => {
  await Promise.all([cleanEnv(A.name), cleanEnv(B.name), cleanEnv(W.name), cleanEnv(WP.name)]);
  work = await labHome('scenarios');
  rmSync(MARKER, { force: true });
}, 60_000);
afterAll(async () => {
  await Promise.all([cleanEnv(A.name), cleanEnv(B.name), cleanEnv(W.name), cleanEnv(WP.name)]);
}, 60_000);

const edgeOf = (env: string) => labDocker.getContainer(envNames(env).edge).inspect();

describe('two environments on one server', () => {
  it('deploy side by side; deploying B never disturbs A (no failed request, A’s edge untouched)', async () => {
    await applyEnv(work, A.name, A.port, sourceDir(L, 'a1'));
    await applyEnv(work, B.name, B.port, sourceDir(L, 'b1'), [
      'env:',
      '  HOSTILE: "$(touch /tmp/flipdeck-hostile-marker); `touch /tmp/flipdeck-hostile-marker`"',
    ]);
    expect((await cli(['deploy', `lab/${A.name}`])).code).toBe(0);
    const edgeA = await edgeOf(A.name);
    const load = steadyLoad(`http://127.0.0.1:${A.port}/web/login`, 4, 120_000);
    const b = await cli(['deploy', `lab/${B.name}`]);
    expect(b.code, b.err).toBe(0);
    await applyEnv(work, B.name, B.port, sourceDir(L, 'b2'));
    expect((await cli(['deploy', `lab/${B.name}`])).code).toBe(0);
    const hits = await load.stop();
    expect(hits.filter((h) => h.status !== 200)).toEqual([]);
    expect(hits.every((h) => h.worker.startsWith('flipdeck-twoa-blue-'))).toBe(true);
    const edgeA2 = await edgeOf(A.name);
    expect([edgeA2.Id, edgeA2.State.StartedAt]).toEqual([edgeA.Id, edgeA.State.StartedAt]);
    expect(await servingPool(B.port)).toBe('green');
  }, 240_000);

  it('hostile environment values reach the container literally and never run', async () => {
    const list = await labDocker.listContainers({
      filters: { label: [`io.flipdeck.environment=${B.name}`, 'io.flipdeck.role=web', 'io.flipdeck.pool=green'] },
    });
    expect(list.length).toBeGreaterThan(0);
    const env = (await labDocker.getContainer(list[0]!.Id).inspect()).Config.Env ?? [];
    // b2 dropped the value; the blue (b1) pool kept for rollback still has it, literally.
    const all = await Promise.all(
      (await labDocker.listContainers({ all: true, filters: { label: [`io.flipdeck.environment=${B.name}`] } })).map(
        async (c) => (await labDocker.getContainer(c.Id).inspect()).Config.Env ?? [],
      ),
    );
    expect(all.flat()).toContain('HOSTILE=$(touch /tmp/flipdeck-hostile-marker); `touch /tmp/flipdeck-hostile-marker`');
    expect(env.some((e) => e.startsWith('HOSTILE='))).toBe(false);
    expect(existsSync(MARKER)).toBe(false);
  });
});

describe('the edge', () => {
  it('is adopted by the next deploy (same container, no reload); a login and an uploaded attachment survive the flip', async () => {
    const before = await edgeOf(A.name);
    const base = `http://127.0.0.1:${A.port}`;
    const login = await browserLogin(base, 'admin', 'admin');
    expect(login.status).toBe(303);
    const cookie = login.cookie;
    expect(cookie).toBeTruthy();
    // An attachment uploaded through the live pool (its file in the shared data volume's filestore).
    const file = Buffer.from(`signed contract ${Date.now()}`);
    const up = await uploadAttachment(base, cookie!, { name: 'contract.txt', data: file, type: 'text/plain' });
    expect(up.status, up.body).toBe(200);
    await applyEnv(work, A.name, A.port, sourceDir(L, 'a2'));
    const r = await cli(['deploy', `lab/${A.name}`]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/edge adopted/);
    const after = await edgeOf(A.name);
    expect([after.Id, after.State.StartedAt]).toEqual([before.Id, before.State.StartedAt]);
    const info = await fetch(`http://127.0.0.1:${A.port}/web/session/get_session_info`, {
      method: 'POST',
      headers: { cookie: cookie!, 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', params: {} }),
    });
    expect(info.headers.get('x-flipdeck-worker')).toMatch(/^flipdeck-twoa-green-/);
    expect(((await info.json()) as { result?: { username?: string } }).result?.username).toBe('admin');
    const down = await downloadAttachment(base, cookie!, up.id!);
    expect([down.status, down.worker.includes('-green-'), down.data.toString()]).toEqual([200, true, file.toString()]);
  }, 180_000);

  it('keeps the live pool across a restart of its container', async () => {
    expect((await status(A.name)).live).toBe('green');
    await labDocker.getContainer(envNames(A.name).edge).restart({ t: 5 });
    let pool = 'none';
    for (let i = 0; i < 50 && pool !== 'green'; i++) {
      pool = await servingPool(A.port).catch(() => 'none');
      if (pool !== 'green') await new Promise((r) => setTimeout(r, 200));
    }
    expect(pool).toBe('green');
    const s = await status(A.name);
    expect(s.live).toBe('green');
    expect(s.workers.filter((w) => w.pool === 'green' && w.ready)).toHaveLength(2);
    // And the kept pool is still out of rotation: a rollback is still a flip, not a rebuild.
    expect(s.kept?.pool).toBe('blue');
    const back = await cli(['rollback', `lab/${A.name}`, '--json']);
    expect(back.code, back.err).toBe(0);
    expect(await servingPool(A.port)).toBe('blue');
  }, 120_000);
});

describe('websockets through the edge', () => {
  // Odoo serves its bus where its server mode puts it (odoo/service/server.py): threaded on the HTTP
  // port, prefork on the gevent port (its HTTP workers answer /websocket with 500). The edge routes
  // each pool's bus to its own mode's port, so a mode change between deploys is a hitless reload.
  let lastFlip = 0;
  async function acrossChange(
    env: { name: string; port: number },
    run: () => Promise<{ code: number; err: string }>,
    from: string,
    to: string,
  ) {
    const messages: { worker: string; at: number }[] = [];
    const ws = new WebSocket(`ws://127.0.0.1:${env.port}/websocket`);
    const closed = new Promise<number>((resolve) => ws.addEventListener('close', () => resolve(Date.now())));
    ws.addEventListener('message', (e) =>
      messages.push({ worker: (JSON.parse(String(e.data)) as { worker: string }).worker, at: Date.now() }),
    );
    await new Promise(
      (resolve, reject) => (ws.addEventListener('open', resolve), ws.addEventListener('error', reject)),
    );
    const load = steadyLoad(`http://127.0.0.1:${env.port}/web/login`, 2, 120_000);
    lastFlip = 0;
    const r = await run();
    const hits = await load.stop();
    expect(r.code, r.err).toBe(0);
    const flippedAt = lastFlip;
    expect(flippedAt).toBeGreaterThan(0);
    expect(r.err).toMatch(new RegExp(`drain timeout: cut what was left on ${from}`));
    const closedAt = await closed;
    expect(closedAt - flippedAt).toBeGreaterThanOrEqual(3500);
    expect(messages.some((m) => m.at > flippedAt + 2000)).toBe(true);
    expect(new Set(messages.map((m) => m.worker.replace(/-\d+$/, '')))).toEqual(
      new Set([`flipdeck-${env.name}-${from}`]),
    );
    expect(hits.filter((h) => h.status !== 200)).toEqual([]);
    const again = new WebSocket(`ws://127.0.0.1:${env.port}/websocket`);
    const first = await new Promise<string>(
      (resolve, reject) => (
        again.addEventListener('message', (e) => resolve(String(e.data))),
        again.addEventListener('error', reject)
      ),
    );
    again.close();
    expect((JSON.parse(first) as { worker: string }).worker).toMatch(new RegExp(`^flipdeck-${env.name}-${to}-`));
  }

  const deploy = (env: { name: string }) => () =>
    cli(['deploy', `lab/${env.name}`], (l) => {
      if (/^✓ flipping/.test(l)) lastFlip = Date.now();
    });
  const rollback = (env: { name: string }) => () =>
    cli(['rollback', `lab/${env.name}`], (l) => {
      if (/^✓ flipping/.test(l)) lastFlip = Date.now();
    });

  it('threaded (the stock mode): on the HTTP port, open through the flip, cut at the drain timeout (not before), reconnect to green', async () => {
    await applyEnv(work, W.name, W.port, sourceDir(L, 'w1'), ['drain_timeout: 4s']);
    expect((await cli(['deploy', `lab/${W.name}`])).code).toBe(0);
    await applyEnv(work, W.name, W.port, sourceDir(L, 'w2'), ['drain_timeout: 4s']);
    await acrossChange(W, deploy(W), 'blue', 'green');
  }, 240_000);

  it('a change of server mode under a live pool is refused, naming both modes (the bus would move port)', async () => {
    await applyEnv(work, W.name, W.port, sourceDir(L, 'w3'), ['drain_timeout: 4s', 'workers: 2']);
    const pre = await cli(['preflight', `lab/${W.name}`]);
    expect(pre.code).toBe(1);
    expect(pre.out).toMatch(/the live pool runs threaded \(workers 0\) and this deploy asks for prefork \(workers 2\)/);
  });

  it('prefork (workers: 2): on the gevent port across a deploy and a rollback', async () => {
    // Its own environment: prefork from its first deploy.
    await applyEnv(work, WP.name, WP.port, sourceDir(L, 'p1'), ['drain_timeout: 4s', 'workers: 2']);
    expect((await cli(['deploy', `lab/${WP.name}`])).code).toBe(0);
    const inspect = await labDocker.getContainer(envNames(WP.name).worker('blue', 1)).inspect();
    expect(inspect.Config.Cmd).toEqual(expect.arrayContaining(['--workers', '2']));
    await applyEnv(work, WP.name, WP.port, sourceDir(L, 'p2'), ['drain_timeout: 4s', 'workers: 2']);
    await acrossChange(WP, deploy(WP), 'blue', 'green');
    await acrossChange(WP, rollback(WP), 'green', 'blue');
  }, 300_000);
});
