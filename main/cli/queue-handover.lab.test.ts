// Crons and queue_job across a deploy and a rollback, against the lab: a schema-changing deploy
// installs queue_job; the cron runner (only it) runs queue_job's runner, which sends jobs through
// the edge (by its own name, past the domain filter) to the live pool; while jobs keep coming, a
// deploy and a rollback swap the runner: cron heartbeats never overlap, and every job takes effect
// exactly once (none lost, none run twice).
import { cpSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeployProgress } from '../../shared/deploy';
import { ADDONS } from '../../e2e/lab/standin-kit';
import { envNames } from '../engine/core/names';
import { sourceDir } from '../../e2e/lab/lab-deploy';
import { applyEnv, envSql, L, labDocker, useLabContext } from '../../e2e/lab/lab-cli';
import { demux } from '../engine/docker/logs';
import { browserLogin } from '../../e2e/lab/odoo-login';

const ENV = 'qjtest';
const PORT = 18_675;
const DOMAIN = 'qj.lab.test';
const names = envNames(ENV);
const sql = (query: string) => envSql(ENV, query);

/** A request to the edge for the environment's domain (the edge refuses unknown hosts). */
function get(
  pathAndQuery: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; worker: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port: PORT, path: pathAndQuery, headers: { host: DOMAIN, ...headers }, timeout: 10_000 },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body, worker: String(res.headers['x-flipdeck-worker'] ?? '') }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

function source(tag: string, withQueue: boolean): string {
  const dir = sourceDir(L, tag);
  if (withQueue) cpSync(ADDONS.queue, path.join(dir, 'addons'), { recursive: true });
  return dir;
}

async function deploy(tag: string, kind: 'deploy' | 'rollback' = 'deploy', onEvent?: (p: DeployProgress) => void) {
  if (kind === 'deploy') {
    await applyEnv(lab.work, ENV, PORT, source(tag, tag !== 'qj-1'), [
      `domains: [${DOMAIN}]`,
      'drain_timeout: 5s',
      'rehearse: false',
      'env:',
      '  ODOO_QUEUE_JOB_CHANNELS: root:2',
    ]);
  }
  const events: DeployProgress[] = [];
  const result = await lab.ctx.services.deployments.run(`lab/${ENV}`, kind, {
    onProgress: (p) => {
      events.push(p);
      onEvent?.(p);
    },
  });
  expect(result, JSON.stringify(result.reason)).toMatchObject({ ok: true });
  return events;
}

async function waitJobsDone(uuids: string[], timeoutMs: number): Promise<void> {
  const list = uuids.map((u) => `'${u}'`).join(',');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (Number(await sql(`SELECT count(*) FROM queue_job WHERE state = 'done' AND uuid IN (${list})`)) === uuids.length)
      return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(
    `jobs not done within ${timeoutMs} ms: ${await sql(`SELECT state, count(*) FROM queue_job WHERE uuid IN (${list}) GROUP BY state`)}`,
  );
}

const logsOf = async (name: string) =>
  demux((await labDocker.getContainer(name).logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer);

const lab = useLabContext(ENV, 'queue', async () => {
  await deploy('qj-1');
});

describe('crons and queue_job handover', () => {
  it('installs queue_job with a schema-changing deploy; only the cron runner runs its runner, which sends jobs to the live pool through the edge', async () => {
    const events = await deploy('qj-2');
    const migration = events
      .filter((e): e is Extract<DeployProgress, { kind: 'migration' }> => e.kind === 'migration')
      .at(-1);
    expect(migration?.changes.install).toEqual(expect.arrayContaining(['queue_job', 'flipdeck_lab_jobs']));
    const live = /-(blue|green)-\d$/.exec((await get('/web/login')).worker)![1]!;
    const cron = await labDocker.getContainer(names.cron(live as 'blue')).inspect();
    expect(cron.Config.Cmd).toEqual(expect.arrayContaining(['--load', 'base,web,queue_job']));
    const uuids = (await get('/flipdeck_lab_jobs/enqueue?n=4&seconds=0.2')).body.split('\n');
    await waitJobsDone(uuids, 30_000);
    expect(await sql('SELECT DISTINCT pool FROM flipdeck_job_effect')).toBe(live);
    expect(await logsOf(names.cron(live as 'blue'))).toMatch(/queue job runner ready for db qjtest/);
    for (let i = 1; i <= 2; i++)
      expect(await logsOf(names.worker(live as 'blue', i))).not.toMatch(/jobrunner\.runner: starting/);
  }, 240_000);

  it('sets web.base.url to the domain and freezes it before the pool starts; the edge sets X-Forwarded-Proto itself', async () => {
    const params = await sql(
      "SELECT key || '=' || value FROM ir_config_parameter WHERE key LIKE 'web.base.url%' ORDER BY key",
    );
    expect(params.split('\n')).toEqual([`web.base.url=http://${DOMAIN}`, 'web.base.url.freeze=True']);
    // A client's own X-Forwarded-Proto is not believed (no trusted proxy in front): Odoo sees http.
    expect((await get('/flipdeck_lab/whereami', { 'x-forwarded-proto': 'https' })).body).toMatch(
      new RegExp(`^http://${DOMAIN.replace(/\./g, '\\.')}/ `),
    );
    // An administrator's login through another name the edge accepts leaves the frozen URL alone.
    const login = await browserLogin(`http://127.0.0.1:${PORT}`, 'admin', 'admin', { host: names.edge });
    expect(login.status).toBe(303);
    expect(await sql("SELECT value FROM ir_config_parameter WHERE key = 'web.base.url'")).toBe(`http://${DOMAIN}`);
  }, 60_000);

  it('across a deploy and a rollback: cron heartbeats never overlap; every job takes effect exactly once', async () => {
    await sql('DELETE FROM flipdeck_cron_heartbeat');
    const uuids: string[] = [];
    let stop = false;
    const producer = (async () => {
      // Bounded: at most 400 requests and 150 s.
      const until = Date.now() + 150_000;
      for (let i = 0; i < 400 && !stop && Date.now() < until; i++) {
        const r = await get('/flipdeck_lab_jobs/enqueue?n=1&seconds=0.5').catch(() => null);
        if (r?.status === 200) uuids.push(...r.body.split('\n').filter(Boolean));
        await new Promise((res) => setTimeout(res, 250));
      }
    })();
    await deploy('qj-3');
    await deploy('qj-3', 'rollback');
    stop = true;
    await producer;
    expect(uuids.length).toBeGreaterThan(20);
    await waitJobsDone(uuids, 120_000);
    const list = uuids.map((u) => `'${u}'`).join(',');
    expect(await sql(`SELECT count(*) FROM flipdeck_job_effect WHERE job_uuid IN (${list})`)).toBe(
      String(uuids.length),
    );
    expect(await sql(`SELECT count(DISTINCT job_uuid) FROM flipdeck_job_effect WHERE job_uuid IN (${list})`)).toBe(
      String(uuids.length),
    );
    // Jobs followed the live pool: both pools ran some.
    expect(
      (await sql(`SELECT DISTINCT pool FROM flipdeck_job_effect WHERE job_uuid IN (${list}) ORDER BY pool`)).split(
        '\n',
      ),
    ).toEqual(['blue', 'green']);
    // One runner at a time: the heartbeats' pools form at most three runs (live, new, live again).
    // The restarted runner's crons tick a second after it boots: wait (bounded) for the live pool's.
    const live = /-(blue|green)-\d$/.exec((await get('/web/login')).worker)![1]!;
    const heartbeats = async () =>
      (await sql('SELECT pool FROM flipdeck_cron_heartbeat ORDER BY at')).split('\n').filter(Boolean);
    for (let i = 0; i < 50 && (await heartbeats()).at(-1) !== live; i++) await new Promise((r) => setTimeout(r, 200));
    const pools = await heartbeats();
    const runs = pools.filter((p, i) => i === 0 || pools[i - 1] !== p);
    expect(runs.length).toBeLessThanOrEqual(3);
    expect(runs.at(-1)).toBe(live);
    expect(runs[0]).toBe(live);
  }, 400_000);

  it('hands the cron runner over between jobs: a 12 s job running at the flip completes once, never twice, never cut', async () => {
    const before = /-(blue|green)-\d$/.exec((await get('/web/login')).worker)![1]!;
    let inserted: Promise<string> | null = null;
    const events = await deploy('qj-4', 'deploy', (p) => {
      // Started by the live pool's runner while green gets ready, so it is mid-run at the handover.
      if (!inserted && p.kind === 'step' && p.step === 'green_ready' && p.state === 'running')
        inserted = sql(
          "INSERT INTO ir_cron (cron_name, code, interval_number, interval_type, numbercall) VALUES ('Flipdeck lab: long job', 'sleep:12', 1, 'days', 1)",
        );
    });
    await inserted!;
    const id = await sql("SELECT id FROM ir_cron WHERE cron_name = 'Flipdeck lab: long job'");
    const lines = events.flatMap((e) => (e.kind === 'log' ? [e.line] : []));
    expect(lines.filter((l) => /handed over between jobs: waited .* for Flipdeck lab: long job/.test(l))).toHaveLength(
      1,
    );
    // A cut job would be run again by the new runner within a couple of seconds: give it the chance.
    await new Promise((r) => setTimeout(r, 4000));
    expect(await sql(`SELECT pool FROM flipdeck_cron_start WHERE cron_id = ${id}`)).toBe(before);
    expect(await sql(`SELECT pool FROM flipdeck_cron_run WHERE cron_id = ${id}`)).toBe(before);
  }, 180_000);
});
