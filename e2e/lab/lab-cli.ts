// Lab helpers for CLI tests: run `flipdeck …` in-process, write environment files, read the truth
// from the server and from the edge's 127.0.0.1 port (the only place load is sent).
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { readLabState } from './lab';
import { envNames } from '../../main/engine/core/names';
import { main } from '../../main/cli/index';
import { afterAll, beforeAll } from 'vitest';
import { openContext, type CliContext } from '../../main/cli/context';
import { demux } from '../../main/engine/docker/logs';
import { managedDbPassword } from '../../main/engine/odoo/container-specs';

export const L = readLabState();
export const labDocker = new Docker({ socketPath: L.dockerSocket });

export async function cli(argv: string[], onErr?: (line: string) => void) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => (err.push(t), onErr?.(t)) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A fresh FLIPDECK_HOME with the lab server added (host key pinned). */
export async function labHome(prefix: string, over: { port?: number; host?: string } = {}): Promise<string> {
  const work = mkdtempSync(path.join(os.tmpdir(), `flipdeck-${prefix}-`));
  process.env.FLIPDECK_HOME = path.join(work, 'home');
  process.env.FLIPDECK_AUDIT_KEY = 'ab'.repeat(32);
  process.env.FLIPDECK_AUDIT_DIR = path.join(work, 'audit');
  process.env.FLIPDECK_TIMING = 'fast';
  const add = await cli([
    'server',
    'add',
    'lab',
    '--host',
    over.host ?? L.ssh.host,
    '--port',
    String(over.port ?? L.ssh.port),
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
  if (add.code !== 0) throw new Error(`server add failed: ${add.err}`);
  return work;
}

/** Writes and applies an environment file; `lines` are extra YAML lines; `source` null: none (an `image:` line instead). */
export async function applyEnv(work: string, name: string, port: number, source: string | null, lines: string[] = []) {
  const file = path.join(work, `${name}.yml`);
  const defaults = [
    'server: lab',
    `name: ${name}`,
    ...(source === null ? [] : [`source: ${source}`]),
    'replicas: 2',
    `public_bind: 127.0.0.1:${port}`,
    'drain_timeout: 10s',
    'ready_timeout: 60s',
    'keep_window: 10m',
    `edge_image: ${L.images.proxy}`,
    `db_image: ${L.images.postgres}`,
  ];
  // A top-level key in `lines` replaces its default.
  const overridden = new Set(lines.map((l) => /^([a-z_]+):/.exec(l)?.[1]).filter(Boolean));
  writeFileSync(file, [...defaults.filter((d) => !overridden.has(d.split(':')[0])), ...lines, ''].join('\n'));
  const r = await cli(['env', 'apply', file]);
  if (r.code !== 0) throw new Error(`env apply failed: ${r.err}`);
  return file;
}

export type Status = {
  live: 'blue' | 'green' | null;
  workers: { name: string; pool: string; ready: boolean; image: string }[];
  kept: { pool: string; until: string } | null;
  lock: { holder: string } | null;
};
export const status = async (env: string) => JSON.parse((await cli(['status', `lab/${env}`, '--json'])).out) as Status;

/** Which pool the edge really sends traffic to. */
export async function servingPool(port: number, init: RequestInit = {}): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${port}/web/login`, { ...init, signal: AbortSignal.timeout(10_000) });
  await r.arrayBuffer();
  return /-(blue|green)-\d+$/.exec(r.headers.get('x-flipdeck-worker') ?? '')?.[1] ?? 'none';
}

export async function cleanEnv(env: string) {
  const list = await labDocker.listContainers({ all: true, filters: { label: [`io.flipdeck.environment=${env}`] } });
  await Promise.all(
    list.map((c) =>
      labDocker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined),
    ),
  );
  const n = envNames(env);
  for (const v of [n.dataVolume, n.dbVolume, n.edgeStateVolume])
    await labDocker
      .getVolume(v)
      .remove()
      .catch(() => undefined);
  await labDocker
    .getNetwork(n.network)
    .remove()
    .catch(() => undefined);
}

/** A query in the environment's managed database (psql in its container, with its own password). */
export async function envSql(env: string, query: string): Promise<string> {
  return containerSql(envNames(env).db, 'odoo', env, query);
}

/** A query through psql inside a PostgreSQL container, as `user`, with the container's own password. */
export async function containerSql(container: string, user: string, db: string, query: string): Promise<string> {
  const c = labDocker.getContainer(container);
  const password = await managedDbPassword(labDocker, container);
  if (!password) throw new Error(`no database password in ${container} (neither its password file nor its Env)`);
  const exec = await c.exec({
    Cmd: ['psql', '-h', '127.0.0.1', '-U', user, '-d', db, '-tAc', query],
    Env: [`PGPASSWORD=${password}`],
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve) => {
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve());
  });
  return demux(Buffer.concat(chunks)).trim();
}

/** beforeAll/afterAll for a lab test file: a fresh home with the lab server, an in-process context, the environment cleaned before and after. */
export function useLabContext(env: string, prefix: string, after: () => Promise<void> = async () => undefined) {
  const it = { work: '', ctx: undefined as unknown as CliContext };
  beforeAll(async () => {
    await cleanEnv(env);
    it.work = await labHome(prefix);
    it.ctx = await openContext({ out: () => undefined, err: () => undefined });
    await after();
  }, 300_000);
  afterAll(async () => {
    await it.ctx?.services.close();
    await cleanEnv(env);
  });
  return it;
}
