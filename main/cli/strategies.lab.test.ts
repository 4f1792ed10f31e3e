// The two other strategies against the lab: `rolling` (one worker at a time through the edge, no
// failed request, no second pool kept) and `restart` (its outage stated up front and measured).
import { cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADDONS } from '../../e2e/lab/standin-kit';
import { sourceDir, steadyLoad } from '../../e2e/lab/lab-deploy';
import { L, applyEnv, cleanEnv, cli, labDocker, labHome, servingPool, status } from '../../e2e/lab/lab-cli';

const ROLL = { name: 'rolltest', port: 18_500 };
const RST = { name: 'rsttest', port: 18_501 };
let work = '';

const webPools = async (env: string) =>
  (
    await labDocker.listContainers({
      all: true,
      filters: { label: [`io.flipdeck.environment=${env}`, 'io.flipdeck.role=web'] },
    })
  )
    .map((c) => c.Labels['io.flipdeck.pool'])
    .sort();

beforeAll(async () => {
  await Promise.all([cleanEnv(ROLL.name), cleanEnv(RST.name)]);
  work = await labHome('strategies');
}, 60_000);
afterAll(async () => {
  await Promise.all([cleanEnv(ROLL.name), cleanEnv(RST.name)]);
}, 60_000);

describe('strategy: rolling', () => {
  it('replaces workers one at a time under load with no failed request, and keeps no second pool', async () => {
    await applyEnv(work, ROLL.name, ROLL.port, sourceDir(L, 'r1'), ['strategy: rolling']);
    expect((await cli(['deploy', `lab/${ROLL.name}`])).code).toBe(0);
    const v1 = (await status(ROLL.name)).workers[0]!.image;
    await applyEnv(work, ROLL.name, ROLL.port, sourceDir(L, 'r2'), ['strategy: rolling']);
    const load = steadyLoad(`http://127.0.0.1:${ROLL.port}/web/login`, 4, 120_000);
    const r = await cli(['deploy', `lab/${ROLL.name}`]);
    const hits = await load.stop();
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/slot 1\/2: green-1 in, blue-1 draining/);
    expect(r.err).toMatch(/slot 2\/2: green-2 in, blue-2 draining/);
    expect(hits.filter((h) => h.status !== 200)).toEqual([]);
    expect(new Set(hits.map((h) => h.worker))).toContain('flipdeck-rolltest-green-1');
    const s = await status(ROLL.name);
    expect([s.live, s.kept]).toEqual(['green', null]);
    expect(await webPools(ROLL.name)).toEqual(['green', 'green']);
    // The old workers are stopped (SIGTERM, bounded) before removal, so what still ran there after the
    // drain (a queue_job job) finishes; the stand-in's own test shows SIGTERM lets in-flight requests end.
    const audit = (
      JSON.parse((await cli(['audit', '--json'])).out) as {
        records: { seq: number; action: string; argv?: string[]; environment?: string }[];
      }
    ).records.filter((a) => a.environment === ROLL.name);
    for (const w of ['flipdeck-rolltest-blue-1', 'flipdeck-rolltest-blue-2']) {
      const stop = audit.find((a) => a.action === 'docker.container.stop' && a.argv?.at(-1) === w);
      const remove = audit.find((a) => a.action === 'docker.container.remove' && a.argv?.at(-1) === w);
      expect(stop?.argv?.slice(0, 3), w).toEqual(['docker', 'stop', '-t']);
      expect(stop!.seq, w).toBeLessThan(remove!.seq);
    }
    // No kept pool: rollback redeploys the previous image, saying so.
    const back = await cli(['rollback', `lab/${ROLL.name}`]);
    expect(back.code, back.err).toBe(0);
    expect(back.err).toMatch(/keep window is over: redeploying the previous image/);
    const after = await status(ROLL.name);
    expect(after.live).toBe('blue');
    expect(after.workers.filter((w) => w.pool === 'blue').every((w) => w.image === v1)).toBe(true);
  }, 300_000);
});

describe('strategy: rolling, when the asset bundles change', () => {
  it('is refused before anything starts (two code versions would regenerate each other on every page)', async () => {
    const before = await status(ROLL.name);
    const src = sourceDir(L, 'r3');
    const js = path.join(src, 'addons', 'flipdeck_lab', 'static', 'src', 'js', 'lab.js');
    writeFileSync(js, '/* flipdeck_lab frontend code, changed */\n');
    await applyEnv(work, ROLL.name, ROLL.port, src, ['strategy: rolling']);
    const r = await cli(['deploy', `lab/${ROLL.name}`]);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/asset bundles differ .*strategy blue-green/);
    const after = await status(ROLL.name);
    expect([after.live, after.workers.map((w) => w.image)]).toEqual([before.live, before.workers.map((w) => w.image)]);
  }, 300_000);
});

describe('strategy: restart', () => {
  it('states the outage up front, measures it, and answers 503 (never a dropped connection) meanwhile', async () => {
    await applyEnv(work, RST.name, RST.port, sourceDir(L, 's1'), ['strategy: restart']);
    expect((await cli(['deploy', `lab/${RST.name}`])).code).toBe(0);
    await applyEnv(work, RST.name, RST.port, sourceDir(L, 's2', { bootSeconds: 2 }), ['strategy: restart']);
    const load = steadyLoad(`http://127.0.0.1:${RST.port}/web/login`, 2, 120_000);
    const r = await cli(['deploy', `lab/${RST.name}`]);
    await new Promise((res) => setTimeout(res, 500));
    const hits = await load.stop();
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/strategy restart: the environment is down from stopping the old workers/);
    const measured = Number(/was down for (\d+\.\d) s/.exec(r.err)?.[1]);
    expect(measured).toBeGreaterThanOrEqual(2);
    const failed = hits.filter((h) => h.status !== 200);
    expect(failed.length).toBeGreaterThan(0);
    expect(new Set(failed.map((h) => h.status))).toEqual(new Set([503]));
    expect(hits[hits.length - 1]!.status).toBe(200);
    expect(await webPools(RST.name)).toEqual(['green', 'green']);
  }, 240_000);

  it('a failed restart deploy brings the stopped pool back', async () => {
    const src = sourceDir(L, 's3-broken', { dockerfileExtra: 'COPY .broken /mnt/extra-addons/flipdeck_broken' });
    // Hidden from the source's module stamp (a dot dir): the deploy stays code-only and green crashes at boot.
    cpSync(`${ADDONS.broken}/flipdeck_broken`, `${src}/.broken`, { recursive: true });
    await applyEnv(work, RST.name, RST.port, src, ['strategy: restart']);
    const r = await cli(['deploy', `lab/${RST.name}`, '--json']);
    expect(r.code).toBe(1);
    expect((JSON.parse(r.out) as { failedStep: string }).failedStep).toBe('green_ready');
    let pool = 'none';
    for (let i = 0; i < 50 && pool !== 'green'; i++) {
      pool = await servingPool(RST.port).catch(() => 'none');
      if (pool !== 'green') await new Promise((res) => setTimeout(res, 200));
    }
    expect(pool).toBe('green');
    expect((await status(RST.name)).live).toBe('green');
  }, 180_000);
});
