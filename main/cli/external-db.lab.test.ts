// An external database (a DSN whose password is a secret) against the lab: a PostgreSQL the test runs
// itself beside the environment. Flipdeck runs no database of its own, initialises the empty one once,
// and the password never reaches the local audit log.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envNames } from '../engine/core/names';
import { sourceDir } from '../../e2e/lab/lab-deploy';
import { L, applyEnv, cleanEnv, cli, labDocker, labHome, servingPool } from '../../e2e/lab/lab-cli';

const ENV = 'extdb';
const PORT = 18_700;
const PG = 'flipdeck-test-extpg';
const PASSWORD = 'ext-Secret-pw-4711';
let work = '';

async function removePg() {
  await labDocker
    .getContainer(PG)
    .remove({ force: true, v: true })
    .catch(() => undefined);
}

beforeAll(async () => {
  await removePg();
  await cleanEnv(ENV);
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
    expect((await cli(['audit', '--verify'])).code).toBe(0);
  }, 240_000);
});
