// `flipdeck env apply / preflight / deploy / status / resources / logs / rollback / unlock` against the
// lab, headless, as a CI pipeline runs them. Traffic goes only to the edge's 127.0.0.1 port.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeployLock } from '../engine/state/lock';
import { managedDbPassword } from '../engine/odoo/container-specs';
import { sourceDir } from '../../e2e/lab/lab-deploy';
import { L, cleanEnv, cli, labDocker, status } from '../../e2e/lab/lab-cli';

const ENV = 'clitest';
const PORT = 18_200;
const work = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-cli-deploy-'));

function envFile(source: string, extra = ''): string {
  const file = path.join(work, `${ENV}.yml`);
  writeFileSync(
    file,
    [
      'server: lab',
      `name: ${ENV}`,
      `source: ${source}`,
      'replicas: 2',
      `public_bind: 127.0.0.1:${PORT}`,
      'drain_timeout: 10s',
      'ready_timeout: 40s',
      'keep_window: 10m',
      `edge_image: ${L.images.proxy}`,
      `db_image: ${L.images.postgres}`,
      'env:',
      '  STANDIN_CRON_INTERVAL: "0.5"',
      extra,
      '',
    ].join('\n'),
  );
  return file;
}

async function hit(): Promise<{ status: number; worker: string }> {
  const r = await fetch(`http://127.0.0.1:${PORT}/web/login`, { signal: AbortSignal.timeout(10_000) });
  await r.arrayBuffer();
  return { status: r.status, worker: r.headers.get('x-flipdeck-worker') ?? '' };
}

/** A lock as another machine leaves it, with its last heartbeat at `beat`. */
async function foreignLock(holder: string, beat: Date) {
  const lock = new DeployLock(labDocker, ENV, L.images.proxy);
  await lock.acquire(
    { holder, machine: 'their-machine', pid: 4242, since: beat.toISOString(), deployId: 'theirs' },
    { machine: 'here', pidAlive: () => true },
  );
  await lock.beat(beat.toISOString());
}

beforeAll(async () => {
  process.env.FLIPDECK_HOME = path.join(work, 'home');
  process.env.FLIPDECK_AUDIT_KEY = 'cd'.repeat(32);
  process.env.FLIPDECK_AUDIT_DIR = path.join(work, 'audit');
  process.env.FLIPDECK_TIMING = 'fast';
  await cleanEnv(ENV);
  const add = await cli([
    'server',
    'add',
    'lab',
    '--host',
    L.ssh.host,
    '--port',
    String(L.ssh.port),
    '--user',
    L.ssh.user,
    '--identity',
    L.ssh.identity,
    '--docker-socket',
    L.dockerSocket,
    '--client',
    'Lab',
    '--host-key',
    L.ssh.hostKeySha256,
  ]);
  expect(add.code, add.err).toBe(0);
}, 60_000);

afterAll(() => cleanEnv(ENV), 60_000);

describe('flipdeck deploy (headless, against the lab)', () => {
  it('env apply refuses a typo naming the key, and stores a good file with its source resolved beside it', async () => {
    const bad = await cli(['env', 'apply', envFile('./v1', 'replicaz: 3')]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/replicaz/);
    const v1 = sourceDir(L, '1.0');
    const good = await cli(['env', 'apply', envFile(path.relative(work, v1))]);
    expect(good.code, good.err).toBe(0);
    expect(good.err).toMatch(/created lab\/clitest/);
    const pre = JSON.parse((await cli(['preflight', `lab/${ENV}`, '--json'])).out) as {
      checks: { id: string; status: string }[];
    };
    expect(pre.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(pre.checks.map((c) => c.id)).toEqual(
      expect.arrayContaining(['ssh', 'docker_version', 'edge', 'port', 'lock']),
    );
  });

  it('first deploy: JSON result with every step, blue live and serving', async () => {
    const r = await cli(['deploy', `lab/${ENV}`, '--json']);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out) as { ok: boolean; steps: { id: string; ok: boolean }[] };
    expect(doc.ok).toBe(true);
    expect(doc.steps.map((s) => s.id)).toEqual([
      'preflight',
      'build',
      'green_starting',
      'green_ready',
      'flipping',
      'draining',
      'live',
    ]);
    expect(r.err).toMatch(/✓ green_ready/);
    // The lab registry answers: the base image is pulled fresh before the build.
    expect(r.err).toContain(`pulled the base image ${L.images.odoo}`);
    const s = await status(ENV);
    expect(s.live).toBe('blue');
    expect(s.workers.filter((w) => w.pool === 'blue' && w.ready)).toHaveLength(2);
    const h = await hit();
    expect(h.status).toBe(200);
    expect(h.worker).toMatch(/blue/);
    // The managed database's password is a file in its containers (POSTGRES_PASSWORD_FILE, PASSWORD_FILE), not in `docker inspect`.
    const password = await managedDbPassword(labDocker, `flipdeck-${ENV}-db`);
    expect(password).toMatch(/^[0-9a-f]{48}$/);
    const mine = await labDocker.listContainers({ all: true, filters: { label: [`io.flipdeck.environment=${ENV}`] } });
    for (const c of mine) expect(JSON.stringify(await labDocker.getContainer(c.Id).inspect())).not.toContain(password);
  }, 180_000);

  it('resources: raises memory live without a restart, refuses a shrink below usage, keeps the value', async () => {
    const blue = (
      await labDocker.listContainers({
        filters: { label: [`io.flipdeck.environment=${ENV}`, 'io.flipdeck.pool=blue', 'io.flipdeck.role=web'] },
      })
    )[0]!;
    const before = await labDocker.getContainer(blue.Id).inspect();
    const up = await cli(['resources', `lab/${ENV}`, '--memory', '768m', '--cpus', '1.5']);
    expect(up.code, up.err).toBe(0);
    const after = await labDocker.getContainer(blue.Id).inspect();
    expect(after.HostConfig.Memory).toBe(768 * 1024 ** 2);
    expect(after.HostConfig.NanoCpus).toBe(1.5e9);
    expect(after.State.StartedAt).toBe(before.State.StartedAt);
    expect(after.RestartCount).toBe(before.RestartCount);
    const stored = JSON.parse(readFileSync(path.join(work, 'home', 'environments.json'), 'utf8')) as {
      environments: { definition: { resources?: unknown } }[];
    };
    expect(stored.environments[0]!.definition.resources).toEqual({
      memory: 768 * 1024 ** 2,
      memory_swap: 768 * 1024 ** 2,
      cpus: 1.5,
    });
    // 8m: within what Docker accepts (6m is its floor, refused as bad input), below what the worker uses.
    const down = await cli(['resources', `lab/${ENV}`, '--memory', '8m']);
    expect(down.code).toBe(3);
    expect(down.err).toMatch(/uses \d+ MiB.*would get it killed/);
    expect((await labDocker.getContainer(blue.Id).inspect()).HostConfig.Memory).toBe(768 * 1024 ** 2);
    const audit = JSON.parse((await cli(['audit', '--json'])).out) as {
      records: { action: string; detail?: { old?: unknown } }[];
    };
    expect(audit.records.filter((a) => a.action === 'resources.update' && a.detail?.old)).toHaveLength(2);
  }, 60_000);

  it('a live lock held elsewhere refuses the deploy (exit 3, holder named); unlock breaks it, audited', async () => {
    await foreignLock('colleague@their-laptop', new Date());
    expect((await status(ENV)).lock?.holder).toBe('colleague@their-laptop');
    const refused = await cli(['deploy', `lab/${ENV}`, '--json']);
    expect(refused.code).toBe(3);
    expect(refused.err).toContain('colleague@their-laptop');
    expect((await hit()).worker).toMatch(/blue/);
    const un = await cli(['unlock', `lab/${ENV}`]);
    expect(un.code).toBe(0);
    expect(un.err).toMatch(/broke the lock held by colleague@their-laptop/);
    expect((await status(ENV)).lock).toBeNull();
    const audit = JSON.parse((await cli(['audit', '--json'])).out) as { records: { action: string }[] };
    expect(audit.records.map((a) => a.action)).toContain('deploy.unlock');
  }, 60_000);

  it('v1 → v2: a stale lock is taken over with a notice, green goes live, blue is kept; logs are labelled', async () => {
    await foreignLock('crashed-ci@runner', new Date(Date.now() - 3_600_000));
    // A base image whose registry does not answer (a closed loopback port): warned about, built from the server's copy.
    const unreachable = '127.0.0.1:1/flipdeck-lab/odoo:cached';
    await labDocker.getImage(L.images.odoo).tag({ repo: '127.0.0.1:1/flipdeck-lab/odoo', tag: 'cached' });
    const v2 = sourceDir(L, '2.0');
    writeFileSync(
      path.join(v2, 'Dockerfile'),
      readFileSync(path.join(v2, 'Dockerfile'), 'utf8').replace(L.images.odoo, unreachable),
    );
    // v2 changes the front-end code: a new asset bundle version.
    writeFileSync(path.join(v2, 'addons', 'flipdeck_lab', 'static', 'src', 'js', 'lab.js'), '/* v2 */\n');
    expect((await cli(['env', 'apply', envFile(v2)])).code).toBe(0);
    // Blue's bundle in use before the deploy (a browser on blue loaded it).
    const bundle = async () =>
      /src="(\/web\/assets\/[^"]+)"/.exec(
        await (await fetch(`http://127.0.0.1:${PORT}/web/login`, { signal: AbortSignal.timeout(10_000) })).text(),
      )![1]!;
    const blueBundle = await bundle();
    expect((await fetch(`http://127.0.0.1:${PORT}${blueBundle}`)).status).toBe(200);
    const r = await cli(['deploy', `lab/${ENV}`, '--yes']);
    expect(r.code, r.err).toBe(0);
    // Blue-green: the new code's bundle generated once, by the first page after the flip (never before it).
    expect(r.err).toMatch(/asset bundles: 1 generated during the deploy; first page after the flip \d+ ms/);
    expect(await bundle()).not.toBe(blueBundle);
    expect(r.err).toMatch(/stale lock.*crashed-ci@runner/);
    expect(r.err).toMatch(
      /could not pull the base image 127\.0\.0\.1:1\/flipdeck-lab\/odoo:cached \(no registry answered/,
    );
    const s = await status(ENV);
    expect(s.live).toBe('green');
    expect(s.kept?.pool).toBe('blue');
    expect(s.lock).toBeNull();
    expect((await hit()).worker).toMatch(/green/);
    const logs = await cli(['logs', `lab/${ENV}`, '--pool', 'green']);
    expect(logs.code).toBe(0);
    expect(
      logs.out
        .split('\n')
        .filter(Boolean)
        .every((l) => /^flipdeck-clitest-green-\d+ \| /.test(l)),
    ).toBe(true);
    expect(logs.out).toMatch(/green-1 \| /);
    expect(logs.out).toMatch(/green-2 \| /);
  }, 180_000);

  it('rollback within the window flips back to blue at once; the audit chain verifies', async () => {
    const r = await cli(['rollback', `lab/${ENV}`, '--json']);
    expect(r.code, r.err).toBe(0);
    expect((JSON.parse(r.out) as { ok: boolean }).ok).toBe(true);
    expect((await status(ENV)).live).toBe('blue');
    expect((await hit()).worker).toMatch(/blue/);
    expect((await cli(['audit', '--verify'])).code).toBe(0);
    const against = await cli(['audit', '--verify', '--against', `lab/${ENV}`]);
    expect(against.code, against.out).toBe(0);
    expect(against.out).toMatch(/matches the head .* left on lab\/clitest/);
    // A local log rewritten from scratch (still a valid chain of its own) no longer matches the server.
    const log = path.join(process.env.FLIPDECK_HOME!, 'audit.log');
    rmSync(log);
    await cli(['server', 'list']);
    expect((await cli(['env', 'apply', envFile(sourceDir(L, '2.0'))])).code).toBe(0);
    const rewritten = await cli(['audit', '--verify', '--against', `lab/${ENV}`]);
    expect(rewritten.code).toBe(1);
    expect(rewritten.out).toMatch(
      /has no record \d+, the head .* left on lab\/clitest|is not the one .* left as its head on lab\/clitest/,
    );
  }, 120_000);

  it('bad refs and unknown environments say what to fix (exit 2)', async () => {
    const a = await cli(['deploy', 'lab']);
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/SERVER\/ENV/);
    const b = await cli(['deploy', 'lab/nope']);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/known on lab: clitest/);
    const c = await cli(['deploy', `lab/${ENV}`, '--ref', '--upload-pack=touch /tmp/x']);
    expect(c.code).toBe(2);
  });
});
