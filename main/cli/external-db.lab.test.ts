// An external database (a DSN whose password is a secret) against the lab: a PostgreSQL the test runs
// itself beside the environment. Flipdeck runs no database of its own, initialises the empty one once
// (without demo data unless the environment asks), refuses one owned by another role (Odoo would not
// serve it), and the password never reaches the local audit log.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envNames } from '../engine/core/names';
import { sourceDir } from '../../e2e/lab/lab-deploy';
import { L, applyEnv, cleanEnv, cli, containerSql, labDocker, labHome, servingPool } from '../../e2e/lab/lab-cli';

const ENV = 'extdb';
const PORT = 18_700;
const OWN = 'extown';
const OWN_PORT = 18_710;
const PG = 'flipdeck-test-extpg';
const PASSWORD = 'ext-Secret-pw-4711';
let work = '';

const pgSql = (db: string, query: string) => containerSql(PG, 'odoo_ext', db, query);

async function removePg() {
  await labDocker
    .getContainer(PG)
    .remove({ force: true, v: true })
    .catch(() => undefined);
}

beforeAll(async () => {
  await removePg();
  await cleanEnv(ENV);
  await cleanEnv(OWN);
  work = await labHome('extdb');
  // "External": not Flipdeck's. It sits on the environment's network under its own name.
  await labDocker.createNetwork({ Name: envNames(ENV).network, Driver: 'bridge' });
  const pg = await labDocker.createContainer({
    name: PG,
    Image: L.images.postgres,
    Env: [`POSTGRES_PASSWORD=${PASSWORD}`, 'POSTGRES_USER=odoo_ext', 'POSTGRES_DB=postgres'],
    HostConfig: { NetworkMode: envNames(ENV).network },
    NetworkingConfig: { EndpointsConfig: { [envNames(ENV).network]: { Aliases: ['extpg'] } } },
  });
  await pg.start();
  await applyEnv(work, ENV, PORT, sourceDir(L, 'x1'), [
    'db:',
    '  host: extpg',
    '  user: odoo_ext',
    '  name: clientdb',
    '  password: {secret: extdb_pw}',
  ]);
}, 60_000);
afterAll(async () => {
  delete process.env.FLIPDECK_SECRET_EXTDB_PW;
  await cleanEnv(ENV);
  await cleanEnv(OWN);
  await removePg();
}, 60_000);

describe('external database', () => {
  it('without its secret: exit 2 naming the secret and where to set it; nothing started', async () => {
    const r = await cli(['deploy', `lab/${ENV}`]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/extdb_pw.*FLIPDECK_SECRET_EXTDB_PW/s);
    expect(
      await labDocker.listContainers({
        all: true,
        filters: { label: [`io.flipdeck.environment=${ENV}`, 'io.flipdeck.role=web'] },
      }),
    ).toEqual([]);
  }, 60_000);

  it('deploys against it (initialising the empty database once), runs no database of its own, keeps the password out of the audit log', async () => {
    process.env.FLIPDECK_SECRET_EXTDB_PW = PASSWORD;
    const first = await cli(['deploy', `lab/${ENV}`]);
    expect(first.code, first.err).toBe(0);
    expect(first.err).toMatch(/initialising database clientdb/);
    expect(await servingPool(PORT)).toBe('blue');
    // A production database gets no demo data: no demo/portal users, base installed without demo.
    expect(await pgSql('clientdb', "SELECT count(*) FROM res_users WHERE login IN ('demo', 'portal')")).toBe('0');
    expect(await pgSql('clientdb', "SELECT demo FROM ir_module_module WHERE name = 'base'")).toBe('f');
    await expect(labDocker.getContainer(envNames(ENV).db).inspect()).rejects.toMatchObject({ statusCode: 404 });
    await applyEnv(work, ENV, PORT, sourceDir(L, 'x2'), [
      'db:',
      '  host: extpg',
      '  user: odoo_ext',
      '  name: clientdb',
      '  password: {secret: extdb_pw}',
    ]);
    const second = await cli(['deploy', `lab/${ENV}`]);
    expect(second.code, second.err).toBe(0);
    expect(second.err).not.toMatch(/initialising database/);
    expect(await servingPool(PORT)).toBe('green');
    const home = path.join(work, 'home');
    const outputs = path.join(home, 'audit-output');
    const files = [
      path.join(home, 'audit.log'),
      ...(existsSync(outputs) ? readdirSync(outputs).map((n) => path.join(outputs, n)) : []),
    ];
    for (const f of files) expect(readFileSync(f, 'utf8')).not.toContain(PASSWORD);
    // Nor `docker inspect` on the server: workers and the cron runner get it as PASSWORD_FILE.
    const mine = await labDocker.listContainers({ all: true, filters: { label: [`io.flipdeck.environment=${ENV}`] } });
    expect(mine.length).toBeGreaterThan(2);
    for (const c of mine) expect(JSON.stringify(await labDocker.getContainer(c.Id).inspect())).not.toContain(PASSWORD);
    expect((await cli(['audit', '--verify'])).code).toBe(0);
  }, 240_000);
});

describe('an external database owned by another role', () => {
  const ownEnv = [
    'db:',
    '  host: extpg',
    '  user: odoo_ext',
    '  name: trainingdb',
    '  password: {secret: extdb_pw}',
    'demo: true',
  ];

  it('is refused before the edge or any worker starts, saying what to run; once owned, it deploys (with demo data, as asked)', async () => {
    process.env.FLIPDECK_SECRET_EXTDB_PW = PASSWORD;
    await labDocker.createNetwork({ Name: envNames(OWN).network, Driver: 'bridge' });
    await labDocker
      .getNetwork(envNames(OWN).network)
      .connect({ Container: PG, EndpointConfig: { Aliases: ['extpg'] } });
    await pgSql('postgres', 'CREATE ROLE dba');
    await pgSql('postgres', 'CREATE DATABASE trainingdb OWNER dba');
    await applyEnv(work, OWN, OWN_PORT, sourceDir(L, 'x1'), ownEnv);
    const refused = await cli(['deploy', `lab/${OWN}`]);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toMatch(/trainingdb is owned by the role dba, but Odoo connects as odoo_ext/);
    expect(refused.err).toContain('ALTER DATABASE "trainingdb" OWNER TO "odoo_ext"');
    const started = await labDocker.listContainers({
      all: true,
      filters: { label: [`io.flipdeck.environment=${OWN}`] },
    });
    expect(started.map((c) => c.Labels['io.flipdeck.role'])).not.toContain('web');
    await expect(labDocker.getContainer(envNames(OWN).edge).inspect()).rejects.toMatchObject({ statusCode: 404 });

    await pgSql('postgres', 'ALTER DATABASE trainingdb OWNER TO odoo_ext');
    const ok = await cli(['deploy', `lab/${OWN}`]);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.err).toMatch(/initialising database trainingdb .*with demo data/);
    expect(await servingPool(OWN_PORT)).toBe('blue');
    expect(await pgSql('trainingdb', "SELECT count(*) FROM res_users WHERE login IN ('demo', 'portal')")).toBe('2');
  }, 240_000);
});
