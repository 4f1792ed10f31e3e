// The Odoo pre-flight against the real lab: every check runs once on the lab server (its /proc,
// the stand-in image's addons, the managed database, the edge), passing on a clean environment and
// failing or warning where the source or the server says so. Facts the lab machine cannot produce
// (little free memory, a low inotify limit) are injected.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PreflightCheck } from '../../../shared/deploy';
import { ADDONS } from '../../../e2e/lab/standin-kit';
import { applyEnv, cli, L, labDocker, useLabContext } from '../../../e2e/lab/lab-cli';
import { REGISTRY_HOST } from '../../../e2e/lab/registry';
import { sourceDir } from '../../../e2e/lab/lab-deploy';
import { fullPreflight } from './preflight';

const ENV = 'pftest';
const PORT = 18_970;

const byId = (checks: PreflightCheck[]) => Object.fromEntries(checks.map((c) => [c.id, c]));
const preflight = async (over = {}) => byId(await fullPreflight(lab.ctx.services.deployments, `lab/${ENV}`, over));

const lab = useLabContext(ENV, 'preflight');

describe('the Odoo pre-flight on the lab', () => {
  it('passes every check for a clean source, reading the server, the image and the database', async () => {
    await applyEnv(lab.work, ENV, PORT, sourceDir(L, 'pf-1'), ['domains: [shop.lab.test]']);
    const c = await preflight();
    for (const id of [
      'odoo_memory',
      'memory_room',
      'domains',
      'dbfilter',
      'inotify',
      'public_port',
      'base_image',
      'sessions',
      'manifest_dependencies',
      'queue_job',
      'modules',
    ]) {
      expect(c[id], id).toBeDefined();
      expect(c[id]!.status, `${id}: ${c[id]!.message}`).toBe('pass');
    }
    expect(c['manifest_dependencies']!.message).toMatch(/the image \(\d+ addons\)/);
    expect(c['memory_room']!.message).toMatch(/MiB available on the server/);
    expect(c['base_image']!.message).toMatch(/is the registry's current one/);
    const audit = await lab.ctx.call('audit.list', { kinds: ['preflight'], limit: 10 });
    expect(audit.map((r) => r.action)).toContain('preflight.inspect_image');
  });

  it('fails the missing-dependency trap by name, and the build step refuses it too', async () => {
    const src = sourceDir(L, 'pf-missing');
    cpSync(path.join(ADDONS.missingDep, 'flipdeck_needs_missing'), path.join(src, 'addons', 'flipdeck_needs_missing'), {
      recursive: true,
    });
    await applyEnv(lab.work, ENV, PORT, src);
    const c = await preflight();
    expect(c['manifest_dependencies']).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('flipdeck_needs_missing needs flipdeck_does_not_exist'),
    });
    const deploy = await cli(['deploy', `lab/${ENV}`, '--json']);
    expect(deploy.code).not.toBe(0);
    expect(JSON.parse(deploy.out)).toMatchObject({ ok: false, failedStep: 'preflight' });
    // Straight to the engine (no pre-flight): the build step refuses before building.
    const r = await lab.ctx.services.deployments.run(`lab/${ENV}`, 'deploy');
    expect(r).toMatchObject({
      ok: false,
      failedStep: 'build',
      reason: { kind: 'refused', why: expect.stringContaining('flipdeck_needs_missing needs flipdeck_does_not_exist') },
    });
  });

  it('after a deploy: the public port answers, domains are routed; an uninstalled change needs nothing, a new addon is listed to install', async () => {
    const v1 = sourceDir(L, 'pf-2');
    await applyEnv(lab.work, ENV, PORT, v1, ['domains: [shop.lab.test]']);
    expect((await lab.ctx.services.deployments.run(`lab/${ENV}`, 'deploy')).ok).toBe(true);
    let c = await preflight();
    expect(c['public_port']).toMatchObject({ status: 'pass', message: expect.stringContaining('answers') });
    expect(c['domains']).toMatchObject({ status: 'pass', message: expect.stringContaining('routes every domain') });
    expect(c['modules']).toMatchObject({ status: 'pass', message: expect.stringContaining('code-only') });
    // A changed addon that the database has not installed needs no -u (Odoo would ignore it) …
    writeFileSync(path.join(v1, 'addons', 'flipdeck_lab', 'controllers', 'extra.py'), '# changed\n');
    c = await preflight();
    expect(c['modules']).toMatchObject({ status: 'pass', message: expect.stringContaining('code-only') });
    // … a new addon is installed: schema-changing, only that module.
    mkdirSync(path.join(v1, 'addons', 'flipdeck_extra'));
    writeFileSync(path.join(v1, 'addons', 'flipdeck_extra', '__init__.py'), ''); // an addon, as Odoo requires
    writeFileSync(
      path.join(v1, 'addons', 'flipdeck_extra', '__manifest__.py'),
      "{'name': 'Extra', 'version': '1.0', 'depends': ['base']}\n",
    );
    c = await preflight();
    expect(c['modules']).toMatchObject({ status: 'warn', message: expect.stringContaining('new flipdeck_extra') });
    expect(c['modules']!.message).not.toContain('flipdeck_lab');
  });

  it('wires queue_job, and judges injected facts the lab cannot produce (little memory, a low inotify limit)', async () => {
    const src = sourceDir(L, 'pf-qj');
    mkdirSync(path.join(src, 'addons', 'queue_job'));
    writeFileSync(path.join(src, 'addons', 'queue_job', '__init__.py'), '');
    writeFileSync(
      path.join(src, 'addons', 'queue_job', '__manifest__.py'),
      "{'name': 'Job Queue', 'version': '17.0.2.3.0', 'depends': ['base']}\n",
    );
    writeFileSync(path.join(src, 'odoo.conf'), '[options]\nserver_wide_modules = base,web\n');
    await applyEnv(lab.work, ENV, PORT, src, ['resources: {memory: 2g}']);
    const c = await preflight({ memAvailableBytes: 1024 ** 3, inotifyMaxUserWatches: 8192 });
    expect(c['queue_job']).toMatchObject({
      status: 'pass',
      message: expect.stringContaining('--load base,web,queue_job (odoo.conf leaves it out'),
    });
    expect(c['odoo_memory']).toMatchObject({ status: 'pass', message: expect.stringContaining('Odoo 17.0') });
    expect(c['memory_room']).toMatchObject({ status: 'fail', message: expect.stringContaining('MiB missing') });
    expect(c['inotify']).toMatchObject({ status: 'warn' });
  });

  it('warns below the memory floor, on an unrouted domain and a conflicting dbfilter; a dead edge port fails, a closed firewall warns (injected)', async () => {
    const src = sourceDir(L, 'pf-warns');
    writeFileSync(path.join(src, 'odoo.conf'), '[options]\ndbfilter = ^%d$\n');
    await applyEnv(lab.work, ENV, PORT, src, ['domains: [shop.lab.test, new.lab.test]', 'resources: {memory: 512m}']);
    const c = await preflight();
    expect(c['odoo_memory']).toMatchObject({ status: 'warn', message: expect.stringContaining('below') });
    expect(c['domains']).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('does not route new.lab.test'),
    });
    expect(c['dbfilter']).toMatchObject({ status: 'warn' });
    const dead = await preflight({ publicPort: { fromServer: false, fromHere: null } });
    expect(dead['public_port']).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('does not answer on the server'),
    });
    const firewalled = await preflight({ publicPort: { fromServer: true, fromHere: false } });
    expect(firewalled['public_port']).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('a firewall closes it'),
    });
    await applyEnv(lab.work, ENV, PORT, src, ['resources: {memory: 512m, memory_override: true}']);
    expect((await preflight())['odoo_memory']).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('you chose to override it (padded by 256 MiB)'),
    });
  });

  it('compares the base image with what the lab registry serves now: newer there, gone, or no registry answering', async () => {
    const docker = labDocker;
    const tag = `${REGISTRY_HOST}/flipdeck-test/odoo:pf`;
    // The registry gets a newer image under the tag; the server keeps the older copy under that name.
    await docker.getImage(L.images.odoo).tag({ repo: `${REGISTRY_HOST}/flipdeck-test/odoo`, tag: 'pf' });
    const newer = await docker.buildImage(
      { context: sourceDir(L, 'pf-newer'), src: ['Dockerfile', 'addons'] },
      { t: tag, labels: { 'io.flipdeck.test': 'pf-newer' } },
    );
    await new Promise((res, rej) => docker.modem.followProgress(newer, (e: Error | null) => (e ? rej(e) : res(null))));
    const pushed = await docker.getImage(tag).push({ authconfig: { serveraddress: REGISTRY_HOST } });
    await new Promise((res, rej) => docker.modem.followProgress(pushed, (e: Error | null) => (e ? rej(e) : res(null))));
    await docker.getImage(L.images.odoo).tag({ repo: `${REGISTRY_HOST}/flipdeck-test/odoo`, tag: 'pf' });

    const src = sourceDir(L, 'pf-base');
    writeFileSync(path.join(src, 'Dockerfile'), `FROM ${tag}\nCOPY addons /mnt/extra-addons\n`);
    await applyEnv(lab.work, ENV, PORT, src);
    expect((await preflight())['base_image']).toMatchObject({
      status: 'pass',
      message: expect.stringMatching(/registry has a newer .* the build pulls it first/),
    });
    await applyEnv(lab.work, ENV, PORT, null, [`image: ${tag}`]);
    expect((await preflight())['base_image']).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('the deploy would run the cached one'),
      fix: expect.stringContaining(`docker pull ${tag}`),
    });

    // Neither on the server nor in the registry: the build could not start.
    await applyEnv(lab.work, ENV, PORT, null, [`image: ${REGISTRY_HOST}/flipdeck-test/nope:1`]);
    expect((await preflight())['base_image']).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('is not on the server and no registry answered'),
    });

    // A registry that does not answer (a closed loopback port): the cached copy is used, with a warning.
    await docker.getImage(L.images.odoo).tag({ repo: '127.0.0.1:1/flipdeck-test/odoo', tag: 'pf' });
    await applyEnv(lab.work, ENV, PORT, null, ['image: 127.0.0.1:1/flipdeck-test/odoo:pf']);
    expect((await preflight())['base_image']).toMatchObject({
      status: 'warn',
      message: expect.stringMatching(
        /no registry answered for .*the deploy runs the server's copy from \d{4}-\d\d-\d\d/,
      ),
    });
    const audit = await lab.ctx.call('audit.list', { kinds: ['preflight'], limit: 20 });
    expect(audit.map((r) => r.action)).toContain('preflight.registry_digest');
    for (const t of [tag, '127.0.0.1:1/flipdeck-test/odoo:pf'])
      await docker
        .getImage(t)
        .remove()
        .catch(() => undefined);
  });

  it('fails one database served from two data volumes without shared sessions (the login loop), then without a shared filestore', async () => {
    const db = [
      'db:',
      '  host: extpg.lab.test',
      '  user: odoo_ext',
      '  name: clientdb',
      '  password: {secret: pf_ext_pw}',
    ];
    const src = sourceDir(L, 'pf-sessions');
    await applyEnv(lab.work, 'pfpeer', PORT + 1, src, db);
    await applyEnv(lab.work, ENV, PORT, src, db);
    expect((await preflight())['sessions']).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/lab\/pfpeer serves the same database .*login loop/),
    });
    await applyEnv(lab.work, ENV, PORT, src, [
      ...db,
      'env:',
      '  ODOO_SESSION_REDIS: "1"',
      '  ODOO_SESSION_REDIS_HOST: redis.lab.test',
    ]);
    expect((await preflight())['sessions']).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('the filestore is not (local volume flipdeck-pftest-data)'),
    });
    for (const addon of ['session_redis', 'fs_attachment']) {
      mkdirSync(path.join(src, 'addons', addon));
      writeFileSync(path.join(src, 'addons', addon, '__init__.py'), '');
      writeFileSync(
        path.join(src, 'addons', addon, '__manifest__.py'),
        `{'name': '${addon}', 'version': '17.0.1.0.0', 'depends': ['base']}\n`,
      );
    }
    expect((await preflight())['sessions']).toMatchObject({
      status: 'pass',
      message: expect.stringContaining(
        'sessions shared (session_redis at redis.lab.test), filestore shared (attachments in object storage (fs_attachment))',
      ),
    });
  });
});
