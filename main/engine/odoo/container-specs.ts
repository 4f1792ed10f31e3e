// Container specifications as data (dockerode create options), built from the environment.
// Pure: the deploy engine decides *what* runs; the adapters only hand these to the Docker API.
import type Docker from 'dockerode';
import type { Pool } from '../../../shared/deploy';
import type { Environment } from '../../../shared/environment';
import { LABEL, envNames, type Role } from '../core/names';
import { EDGE_LISTEN_PORT, EDGE_RUN_DIR, EDGE_STATE_DIR } from '../proxy/haproxy-config';
import { runnerEnv, WEB_WORKER_RUNNER_OFF } from './queue-job';
import { OVERRIDE_PADDING_MIB } from '../../../shared/odoo-memory';
import { readContainerFile, type SecretFile } from '../docker/archive';

export type CreateSpec = Docker.ContainerCreateOptions & { name: string; files?: SecretFile[] };

/**
 * Where the database password reaches a container: a file copied in through the archive API before
 * it starts, named by the images' own conventions (PASSWORD_FILE for Odoo's entrypoint,
 * POSTGRES_PASSWORD_FILE for PostgreSQL's), so `docker inspect` never shows it.
 */
export const DB_PASSWORD_FILE = '/run/flipdeck/db-password';

export interface DbConnection {
  host: string;
  port: number;
  user: string;
  password: string;
  name: string;
}

export interface WorkerContext {
  env: Environment;
  image: string;
  deployId: string;
  by: string;
  db: DbConnection;
  /** Container environment with secret references already resolved (in main, never the renderer). */
  resolvedEnv: Record<string, string>;
}

function labels(env: string, role: Role, extra: Record<string, string> = {}): Record<string, string> {
  return { [LABEL.managed]: 'true', [LABEL.environment]: env, [LABEL.role]: role, ...extra };
}

function resources(env: Environment): Docker.HostConfig {
  const r = env.resources;
  // An explicit override of the Odoo memory floor still pads the limit (and swap stays consistent).
  const pad = r.memory_override ? OVERRIDE_PADDING_MIB * 1024 * 1024 : 0;
  return {
    ...(r.memory !== undefined ? { Memory: r.memory + pad, MemorySwap: (r.memory_swap ?? r.memory) + pad } : {}),
    ...(r.cpus !== undefined ? { NanoCpus: Math.round(r.cpus * 1e9) } : {}),
  };
}

/** Database settings the way the official image's entrypoint takes them: HOST, PORT, USER, PASSWORD_FILE. */
function dbEnv(db: DbConnection): string[] {
  return [`HOST=${db.host}`, `PORT=${db.port}`, `USER=${db.user}`, `PASSWORD_FILE=${DB_PASSWORD_FILE}`];
}

/** psql against the environment's database (add `-c SQL` …); run it through withPasswordFile. */
export function psqlArgs(db: DbConnection): string[] {
  return ['psql', '-h', db.host, '-p', String(db.port), '-U', db.user, '-d', db.name, '-tA'];
}

/** A command run with PGPASSWORD read from the password file inside the container (a fixed script; argv stays argv). */
export function withPasswordFile(command: string[]): string[] {
  return ['sh', '-c', 'PGPASSWORD="$(cat "$PASSWORD_FILE")" exec "$@"', 'sh', ...command];
}

/** A managed database's password as its container holds it: the password file, or (a container made before files) its Env. */
export async function managedDbPassword(docker: Docker, container: string): Promise<string | null> {
  const fromFile = await readContainerFile(docker, container, DB_PASSWORD_FILE).catch(() => null);
  if (fromFile) return fromFile;
  const info = await docker
    .getContainer(container)
    .inspect()
    .catch(() => null);
  return info?.Config.Env?.find((e) => e.startsWith('POSTGRES_PASSWORD='))?.slice('POSTGRES_PASSWORD='.length) ?? null;
}

export const dbPasswordFiles = (db: DbConnection): SecretFile[] => [{ path: DB_PASSWORD_FILE, content: db.password }];

function userEnv(resolved: Record<string, string>): string[] {
  return Object.entries(resolved).map(([k, v]) => `${k}=${v}`);
}

function odooArgs(ctx: WorkerContext): string[] {
  const e = ctx.env;
  return ['--database', ctx.db.name, '--db-filter', `^${ctx.db.name}$`, '--proxy-mode'].concat(
    e.http_port === 8069 ? [] : ['--http-port', String(e.http_port)],
    e.gevent_port === 8072 ? [] : ['--gevent-port', String(e.gevent_port)],
  );
}

function common(ctx: WorkerContext, name: string, role: Role, extraLabels: Record<string, string>): CreateSpec {
  const names = envNames(ctx.env.name);
  return {
    name,
    Image: ctx.image,
    Hostname: name,
    Env: [...dbEnv(ctx.db), ...userEnv(ctx.resolvedEnv)],
    files: dbPasswordFiles(ctx.db),
    Labels: labels(ctx.env.name, role, {
      [LABEL.deploy]: ctx.deployId,
      [LABEL.image]: ctx.image,
      [LABEL.by]: ctx.by,
      ...extraLabels,
    }),
    HostConfig: {
      NetworkMode: names.network,
      // Both pools and the cron runner share one data volume: filestore and sessions survive the flip.
      Mounts: [{ Type: 'volume', Source: names.dataVolume, Target: '/var/lib/odoo' }],
      RestartPolicy: { Name: 'unless-stopped' },
      ...resources(ctx.env),
    },
    NetworkingConfig: { EndpointsConfig: { [names.network]: { Aliases: [name] } } },
  };
}

/**
 * A web worker: HTTP on, crons always off (Odoo reads max_cron_threads at start-up only), and
 * queue_job's runner off whatever the project's odoo.conf or environment says (the cron runner's job).
 */
export function workerSpec(ctx: WorkerContext, pool: Pool, index: number): CreateSpec {
  const name = envNames(ctx.env.name).worker(pool, index);
  const spec = common(ctx, name, 'web', {
    [LABEL.pool]: pool,
    [LABEL.worker]: String(index),
    [LABEL.workers]: String(ctx.env.workers),
  });
  // The server mode is always explicit: the project's odoo.conf must not move the bus to another port
  // behind the edge's back.
  spec.Cmd = ['odoo', ...odooArgs(ctx), '--workers', String(ctx.env.workers), '--max-cron-threads', '0'];
  const off = WEB_WORKER_RUNNER_OFF.split('=')[0]!;
  spec.Env = [
    ...(spec.Env ?? []).filter((e) => !e.startsWith(`${off}=`)),
    `FLIPDECK_POOL=${pool}`,
    WEB_WORKER_RUNNER_OFF,
  ];
  return spec;
}

/**
 * The one cron runner of a pool: HTTP off, crons on. `load`: its server-wide modules when the image
 * has queue_job (queue_job/odoo/queue-job.ts); its runner then sends jobs through the edge.
 */
export function cronSpec(ctx: WorkerContext, pool: Pool, load: string[] | null = null, cronThreads = 2): CreateSpec {
  const names = envNames(ctx.env.name);
  const name = names.cron(pool);
  const spec = common(ctx, name, 'cron', { [LABEL.pool]: pool });
  spec.Cmd = [
    'odoo',
    ...odooArgs(ctx),
    '--no-http',
    // Threaded: its crons run in threads; prefork would add a gevent process that serves nothing.
    '--workers',
    '0',
    '--max-cron-threads',
    String(cronThreads),
    ...(load ? ['--load', load.join(',')] : []),
  ];
  spec.Env = [...(spec.Env ?? []), `FLIPDECK_POOL=${pool}`, ...(load ? runnerEnv(names.edge) : [])];
  // Crons must never overlap: the runner is started explicitly at the handover, not by the daemon.
  spec.HostConfig = { ...spec.HostConfig, RestartPolicy: { Name: 'no' } };
  return spec;
}

export interface EdgeContext {
  envName: string;
  image: string;
  publicBind?: string;
}

/** The config is copied into the created container (Docker's archive API), so no host path is needed for it. */
export const EDGE_CONFIG_DIR = '/usr/local/etc/haproxy';

export function edgeSpec(ctx: EdgeContext): CreateSpec {
  const names = envNames(ctx.envName);
  const [ip, port] = ctx.publicBind ? ctx.publicBind.split(':') : [];
  return {
    name: names.edge,
    Image: ctx.image,
    Hostname: names.edge,
    Cmd: ['haproxy', '-W', '-db', '-f', `${EDGE_CONFIG_DIR}/haproxy.cfg`],
    // The official image runs as `haproxy`, which cannot create the admin socket in the bind-mounted
    // run directory; the socket itself is then restricted to the Docker socket's group (mode 660).
    User: '0',
    Labels: labels(ctx.envName, 'edge'),
    ExposedPorts: { [`${EDGE_LISTEN_PORT}/tcp`]: {} },
    HostConfig: {
      NetworkMode: names.network,
      // Binds (unlike Mounts) create the host directory when missing, e.g. after a reboot empties /run.
      Binds: [`${names.edgeRunDir}:${EDGE_RUN_DIR}`],
      Mounts: [{ Type: 'volume', Source: names.edgeStateVolume, Target: EDGE_STATE_DIR }],
      RestartPolicy: { Name: 'unless-stopped' },
      ...(ip && port ? { PortBindings: { [`${EDGE_LISTEN_PORT}/tcp`]: [{ HostIp: ip, HostPort: port }] } } : {}),
    },
  };
}

/** The managed PostgreSQL, with the variables the official postgres image reads. */
export function managedDbSpec(envName: string, image: string, db: DbConnection): CreateSpec {
  const names = envNames(envName);
  return {
    name: names.db,
    Image: image,
    Hostname: names.db,
    Env: [`POSTGRES_USER=${db.user}`, `POSTGRES_PASSWORD_FILE=${DB_PASSWORD_FILE}`, 'POSTGRES_DB=postgres'],
    files: dbPasswordFiles(db),
    Labels: labels(envName, 'db'),
    HostConfig: {
      NetworkMode: names.network,
      Mounts: [{ Type: 'volume', Source: names.dbVolume, Target: '/var/lib/postgresql/data' }],
      RestartPolicy: { Name: 'unless-stopped' },
    },
    NetworkingConfig: { EndpointsConfig: { [names.network]: { Aliases: [names.db] } } },
  };
}

/**
 * The port a worker serves Odoo's bus on (`/websocket`, 16+; `/longpolling/`, 14/15): the threaded
 * server serves it on the HTTP port and listens on nothing else; a prefork server's HTTP workers
 * refuse it (500) and its gevent process serves it (odoo/service/server.py, addons/bus/websocket.py).
 */
export function busPort(workers: number, ports: { http: number; gevent: number }): number {
  return workers > 0 ? ports.gevent : ports.http;
}
