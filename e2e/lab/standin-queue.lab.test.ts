// The stand-in's queue_job behaves like OCA's where deploys care: the runner starts only where
// queue_job is loaded server-wide, sends each job to the Odoo that ODOO_QUEUE_JOB_HOST/PORT name
// (nowhere to send them: jobs stay pending), and requeues a job whose worker died mid-run, which
// then takes effect exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLabState } from './lab';
import { ADDONS, StandinKit } from './standin-kit';

const kit = new StandinKit(readLabState(), 'standinq');
const DB = ['-d', 'shop', ...kit.addonsPath(1)];
const RUNNER = [...DB, '--no-http', '--max-cron-threads', '1', '--load', 'base,web,queue_job'];
const QUICK = ['STANDIN_BOOT_SECONDS=0', 'STANDIN_JOB_DEAD_AFTER=1'];

async function enqueue(url: string, n: number, seconds: number): Promise<string[]> {
  const r = await fetch(`${url}/flipdeck_lab_jobs/enqueue?n=${n}&seconds=${seconds}`, {
    signal: AbortSignal.timeout(10_000),
  });
  expect(r.status).toBe(200);
  return (await r.text()).split('\n').filter(Boolean);
}

const inList = (uuids: string[]) => `(${uuids.map((u) => `'${u}'`).join(',')})`;

async function waitDone(uuids: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (
      Number(await kit.sql(`SELECT count(*) FROM queue_job WHERE state = 'done' AND uuid IN ${inList(uuids)}`)) ===
      uuids.length
    )
      return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `jobs not done within ${timeoutMs} ms: ${await kit.sql(`SELECT uuid, state, retry FROM queue_job WHERE uuid IN ${inList(uuids)}`)}`,
  );
}

beforeAll(async () => {
  await kit.setup();
  await kit.postgres();
  const init = await kit.runOnce(
    ['-d', 'shop', '-i', 'base,queue_job,flipdeck_lab_jobs', '--stop-after-init', ...kit.addonsPath(1)],
    { addons: [ADDONS.queue] },
  );
  expect(init.code, init.output).toBe(0);
}, 120_000);
afterAll(() => kit.cleanup());

describe('queue_job in the Odoo stand-in', () => {
  it('leaves jobs pending when the runner has nowhere to send them (a --no-http runner without ODOO_QUEUE_JOB_HOST)', async () => {
    const web = await kit.worker('web', DB, { addons: [ADDONS.queue], env: QUICK });
    await kit.waitForLog(web.container, /Registry loaded/, 10_000);
    const uuids = await enqueue(web.url, 2, 0.1);
    const lost = await kit.worker('lost-runner', RUNNER, { addons: [ADDONS.queue], env: QUICK });
    await kit.waitForLog(lost.container, /state of job .* was reset from enqueued to pending/, 10_000);
    await lost.container.stop({ t: 5 });
    // Nothing ran. A job the runner was trying to send when it stopped stays 'enqueued' (its runner
    // thread dies with the process, as queue_job's does) until a runner requeues it as dead.
    const states = (await kit.sql(`SELECT DISTINCT state FROM queue_job WHERE uuid IN ${inList(uuids)}`)).split('\n');
    expect(
      states.every((st) => st === 'pending' || st === 'enqueued'),
      states.join(','),
    ).toBe(true);
    expect(states).toContain('pending');
    expect(await kit.sql('SELECT count(*) FROM flipdeck_job_effect')).toBe('0');
    // The runner starts only where queue_job is loaded server-wide: never in the web worker.
    expect(await kit.logs(web.container)).not.toMatch(/jobrunner\.runner: starting/);
    expect(await kit.logs(lost.container)).toMatch(/jobrunner\.runner: starting/);
  });

  it('runs every job once in the Odoo that ODOO_QUEUE_JOB_HOST names, within the channel capacity', async () => {
    const web = `${kit.label}-web`;
    const runner = await kit.worker('runner', RUNNER, {
      addons: [ADDONS.queue],
      env: [...QUICK, `ODOO_QUEUE_JOB_HOST=${web}`, 'ODOO_QUEUE_JOB_PORT=8069', 'ODOO_QUEUE_JOB_CHANNELS=root:2'],
    });
    const url = (await kit.docker.getContainer(web).inspect()).NetworkSettings.Ports['8069/tcp']![0]!.HostPort;
    const uuids = [
      // The first case's jobs, pending or left enqueued (then requeued as dead): all run here, once.
      ...(await kit.sql("SELECT uuid FROM queue_job WHERE state IN ('pending', 'enqueued')")).split('\n'),
      ...(await enqueue(`http://127.0.0.1:${url}`, 6, 0.3)),
    ];
    await waitDone(uuids, 20_000);
    expect(
      await kit.sql(
        `SELECT count(*) FROM (SELECT job_uuid FROM flipdeck_job_effect GROUP BY job_uuid HAVING count(*) = 1) once`,
      ),
    ).toBe(String(uuids.length));
    expect(await kit.sql('SELECT count(*) FROM flipdeck_job_effect')).toBe(String(uuids.length));
    // root:2: the jobs' runs overlap at most two at a time.
    const runs = (
      await kit.sql(
        "SELECT extract(epoch FROM date_started) || ',' || extract(epoch FROM date_done) FROM queue_job WHERE state = 'done'",
      )
    )
      .split('\n')
      .map((l) => l.split(',').map(Number) as [number, number]);
    const most = Math.max(...runs.map(([s]) => runs.filter(([s2, d2]) => s2 <= s && s < d2).length));
    expect(most).toBeLessThanOrEqual(2);
    expect(await kit.logs(runner.container)).toMatch(/queue job runner ready for db shop/);
  });

  it('requeues a job whose worker was killed mid-run; it then takes effect exactly once', async () => {
    const webName = `${kit.label}-web`;
    const url = `http://127.0.0.1:${(await kit.docker.getContainer(webName).inspect()).NetworkSettings.Ports['8069/tcp']![0]!.HostPort}`;
    const [uuid] = await enqueue(url, 1, 3);
    const deadline = Date.now() + 10_000;
    while ((await kit.sql(`SELECT state FROM queue_job WHERE uuid = '${uuid}'`)) !== 'started' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    await kit.docker.getContainer(webName).remove({ force: true });
    const web = await kit.worker('web', DB, { addons: [ADDONS.queue], env: QUICK });
    await kit.waitForLog(web.container, /Registry loaded/, 10_000);
    await waitDone([uuid!], 20_000);
    expect(await kit.sql(`SELECT retry FROM queue_job WHERE uuid = '${uuid}'`)).toBe('1');
    expect(await kit.sql(`SELECT count(*) FROM flipdeck_job_effect WHERE job_uuid = '${uuid}'`)).toBe('1');
    expect(await kit.logs(kit.docker.getContainer(`${kit.label}-runner`))).toMatch(
      new RegExp(`job ${uuid} was dead .*requeued`),
    );
  });
});
