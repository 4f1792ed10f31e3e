// The heart of Flipdeck against the real lab: SSH to the lab server, Docker through the tunnel, a real
// HAProxy edge, PostgreSQL and the Odoo stand-in. Load goes only to the edge's 127.0.0.1 port.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Docker from 'dockerode';
import type { DeployProgress } from '../../../shared/deploy';
import { readLabState } from '../../../e2e/lab/lab';
import { labConnection } from '../../../e2e/lab/lab-ssh';
import type { SshConnection } from '../../remote/ssh-connection';
import { parseEnvironment, type Environment } from '../../../shared/environment';
import { envNames } from '../core/names';
import { FAST_EDGE_TIMING } from '../proxy/haproxy-config';
import { longRequest, sourceDir, sshLink, steadyLoad } from '../../../e2e/lab/lab-deploy';
import { Deploy, type DeployOptions } from './deploy';
import { FAST_TIMING } from '../odoo/readiness';
import type { RemoteAction } from '../core/server-link';

const L = readLabState();
const ENV = 'bgtest';
const EDGE_PORT = 18_100;
const labDocker = new Docker({ socketPath: L.dockerSocket });
let conn: SshConnection;
const audit: RemoteAction[] = [];

function environment(source: string, over: Record<string, unknown> = {}): Environment {
  return parseEnvironment({
    server: 'lab',
    name: ENV,
    source,
    replicas: 2,
    public_bind: `127.0.0.1:${EDGE_PORT}`,
    drain_timeout: '30s',
    ready_timeout: '40s',
    keep_window: '10m',
    env: { STANDIN_CRON_INTERVAL: '0.2' },
    ...over,
  });
}

async function deploy(
  env: Environment,
  kind: 'deploy' | 'rollback',
  onProgress?: (p: DeployProgress) => void,
  confirmFlip?: () => Promise<void>,
) {
  const gid = (await conn.exec(['stat', '-c', '%g', L.dockerSocket])).stdout.trim();
  const events: DeployProgress[] = [];
  const opts: DeployOptions = {
    env,
    kind,
    deployId: `d${Date.now().toString(36)}`,
    actor: { holder: 'test@lab', machine: 'lab', pid: process.pid, since: new Date().toISOString(), deployId: 'x' },
    here: { machine: 'lab', pidAlive: () => true },
    link: sshLink(conn, L),
    audit: async (a) => void audit.push(a),
    emit: (p) => (events.push(p), onProgress?.(p)),
    timing: { readiness: FAST_TIMING, edge: FAST_EDGE_TIMING, drainPollMs: 100, cronGraceSeconds: 5 },
    images: { edge: L.images.proxy, postgres: L.images.postgres },
    resolveEnv: async () => Object.fromEntries(Object.entries(env.env).map(([k, v]) => [k, String(v)])),
    resolveDb: async () => ({ host: envNames(ENV).db, port: 5432, user: 'odoo', password: 'lab-db-pw', name: ENV }),
    adminGid: Number(gid),
    ...(confirmFlip ? { confirmFlip } : {}),
  };
  const result = await new Deploy(opts).run();
  return { result, events };
}

async function cleanEnv() {
  const list = await labDocker.listContainers({ all: true, filters: { label: [`io.flipdeck.environment=${ENV}`] } });
  await Promise.all(
    list.map((c) =>
      labDocker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined),
    ),
  );
  for (const v of [envNames(ENV).dataVolume, envNames(ENV).dbVolume, envNames(ENV).edgeStateVolume])
    await labDocker
      .getVolume(v)
      .remove()
      .catch(() => undefined);
  await labDocker
    .getNetwork(envNames(ENV).network)
    .remove()
    .catch(() => undefined);
}

async function psql(query: string): Promise<string> {
  const exec = await labDocker.getContainer(envNames(ENV).db).exec({
    Cmd: ['psql', '-U', 'odoo', '-d', ENV, '-tA', '-c', query],
    Env: ['PGPASSWORD=lab-db-pw'],
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({});
  const chunks: Buffer[] = [];
  await new Promise<void>((r) => (stream.on('data', (d: Buffer) => chunks.push(d)), stream.on('end', () => r())));
  const buf = Buffer.concat(chunks);
  let out = '';
  for (let i = 0; i + 8 <= buf.length;) {
    const n = buf.readUInt32BE(i + 4);
    out += buf.subarray(i + 8, i + 8 + n).toString();
    i += 8 + n;
  }
  return out.trim();
}

const url = (p: string) => `http://127.0.0.1:${EDGE_PORT}${p}`;

beforeAll(async () => {
  await cleanEnv();
  conn = labConnection();
  await conn.connect();
}, 60_000);
afterAll(async () => {
  await conn?.close();
  await cleanEnv();
});

describe('blue-green deploy on the lab', () => {
  it('first deploy: initialises the database, brings blue up and puts it in rotation', async () => {
    const { result, events } = await deploy(environment(sourceDir(L, 'v1')), 'deploy');
    expect(
      result,
      JSON.stringify(events.filter((e) => e.kind === 'failure' || e.kind === 'log').slice(-15), null, 1),
    ).toMatchObject({ ok: true });
    expect(result.steps.map((s) => s.id)).toEqual([
      'preflight',
      'build',
      'green_starting',
      'green_ready',
      'flipping',
      'draining',
      'live',
    ]);
    const r = await fetch(url('/web/login'));
    expect(r.status).toBe(200);
    expect(r.headers.get('x-flipdeck-worker')).toMatch(/^flipdeck-bgtest-blue-[12]$/);
  }, 180_000);

  it('v1 → v2 under load: no failed request, long requests finish on blue, new ones land on green', async () => {
    await psql('DELETE FROM flipdeck_cron_heartbeat');
    const load = steadyLoad(url('/web/login'), 6, 120_000);
    const longs: Promise<Awaited<ReturnType<typeof longRequest>>>[] = [];
    let flipStarted = 0;
    let flippedAt = 0;
    const { result, events } = await deploy(
      environment(sourceDir(L, 'v2')),
      'deploy',
      (p) => {
        if (p.kind === 'step' && p.step === 'flipping' && p.state === 'running') flipStarted = Date.now();
        if (p.kind === 'step' && p.step === 'flipping' && p.state === 'done') flippedAt = Date.now();
      },
      async () => {
        // Green is ready, blue still serves: long requests start now and are in flight on blue at the flip.
        for (let i = 0; i < 3; i++) longs.push(longRequest(url('/flipdeck_lab/slow?seconds=3')));
        await new Promise((r) => setTimeout(r, 500));
      },
    );
    await new Promise((r) => setTimeout(r, 1000));
    const hits = await load.stop();
    const long = await Promise.all(longs);
    expect(result, JSON.stringify(events.filter((e) => e.kind === 'failure').slice(-3))).toMatchObject({ ok: true });
    const failed = hits.filter((h) => h.status !== 200);
    expect(failed, JSON.stringify(failed.slice(0, 5))).toEqual([]);
    expect(hits.length).toBeGreaterThan(50);
    expect(long.map((h) => [h.status, h.worker.replace(/-\d$/, '')])).toEqual([
      [200, 'flipdeck-bgtest-blue'],
      [200, 'flipdeck-bgtest-blue'],
      [200, 'flipdeck-bgtest-blue'],
    ]);
    const after = hits.filter((h) => h.at > flippedAt + 200);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((h) => h.worker.startsWith('flipdeck-bgtest-green-'))).toBe(true);
    const before = hits.filter((h) => h.at + h.ms < flipStarted);
    expect(before.length).toBeGreaterThan(0);
    expect(before.every((h) => h.worker.startsWith('flipdeck-bgtest-blue-'))).toBe(true);
    // Crons moved to green after the flip, never from both pools at once.
    await new Promise((r) => setTimeout(r, 1000));
    const pools = (await psql('SELECT pool FROM flipdeck_cron_heartbeat ORDER BY at')).split('\n').filter(Boolean);
    expect(pools[pools.length - 1]).toBe('green');
    expect(
      pools
        .join(',')
        .replace(/(blue,)+/g, 'blue,')
        .replace(/(green,?)+/g, 'green'),
    ).toMatch(/^(blue,)?green$/);
  }, 240_000);

  it('rolls back within the keep window under load: traffic and crons back on blue', async () => {
    const load = steadyLoad(url('/web/login'), 4, 60_000);
    const { result } = await deploy(environment(sourceDir(L, 'v2')), 'rollback');
    await new Promise((r) => setTimeout(r, 800));
    const hits = await load.stop();
    expect(result).toMatchObject({ ok: true });
    expect(result.steps.map((s) => s.id)).toEqual(['green_ready', 'flipping', 'draining', 'live']);
    expect(hits.filter((h) => h.status !== 200)).toEqual([]);
    const r = await fetch(url('/web/login'));
    expect(r.headers.get('x-flipdeck-worker')).toMatch(/^flipdeck-bgtest-blue-/);
    // Blue's runner boots like any Odoo: wait (bounded) for its heartbeats, then check none overlapped.
    const pools = async () =>
      (await psql('SELECT pool FROM flipdeck_cron_heartbeat ORDER BY at')).split('\n').filter(Boolean);
    for (let i = 0; i < 50 && (await pools()).slice(-3).join() !== 'blue,blue,blue'; i++)
      await new Promise((r2) => setTimeout(r2, 200));
    const seq = await pools();
    expect(seq.slice(-3)).toEqual(['blue', 'blue', 'blue']);
    expect(
      seq
        .join(',')
        .replace(/(blue,?)+/g, 'blue,')
        .replace(/(green,?)+/g, 'green,')
        .replace(/,$/, ''),
    ).toMatch(/^(blue,)?green,blue$/);
  }, 180_000);

  it('a green that never gets ready fails at green_ready with the last probes; green removed, blue served throughout', async () => {
    const load = steadyLoad(url('/web/login'), 4, 60_000);
    const src = sourceDir(L, 'v3-hang', { dockerfileExtra: 'ENV STANDIN_BOOT_HANG=1' });
    const { result } = await deploy(environment(src, { ready_timeout: '3s' }), 'deploy');
    const hits = await load.stop();
    expect(result).toMatchObject({ ok: false, failedStep: 'green_ready', reason: { kind: 'timeout' } });
    expect(JSON.stringify(result.reason)).toMatch(/\/web\/login/);
    expect(hits.filter((h) => h.status !== 200)).toEqual([]);
    expect(hits.every((h) => h.worker.startsWith('flipdeck-bgtest-blue-'))).toBe(true);
    const green = await labDocker.listContainers({
      all: true,
      filters: { label: [`io.flipdeck.environment=${ENV}`, 'io.flipdeck.pool=green', 'io.flipdeck.role=web'] },
    });
    expect(green).toEqual([]);
  }, 120_000);

  it('a crashing green (import error) fails fast with its output; a failed build fails at build', async () => {
    const src = sourceDir(L, 'v4-broken', { dockerfileExtra: 'COPY .broken /mnt/extra-addons/flipdeck_broken' });
    const { cpSync } = await import('node:fs');
    const { ADDONS } = await import('../../../e2e/lab/standin-kit');
    // Hidden from the source's module stamp (a dot dir): the deploy stays code-only and green crashes at boot.
    cpSync(`${ADDONS.broken}/flipdeck_broken`, `${src}/.broken`, { recursive: true });
    const crashed = await deploy(environment(src), 'deploy');
    expect(crashed.result).toMatchObject({ ok: false, failedStep: 'green_ready', reason: { kind: 'command' } });
    expect(JSON.stringify(crashed.result.reason)).toMatch(/ModuleNotFoundError/);

    const bad = sourceDir(L, 'v5-nobuild', { dockerfileExtra: 'RUN exit 3' });
    const built = await deploy(environment(bad), 'deploy');
    expect(built.result).toMatchObject({ ok: false, failedStep: 'build', reason: { kind: 'command' } });
    expect((await fetch(url('/web/login'))).headers.get('x-flipdeck-worker')).toMatch(/^flipdeck-bgtest-blue-/);
  }, 180_000);

  it('audits every remote action with its command', () => {
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(['edge.create', 'docker.build', 'docker.container.run', 'edge.flip', 'cron.stop']),
    );
    expect(audit.every((a) => a.argv.length > 0 && typeof a.ok === 'boolean')).toBe(true);
  });
});
