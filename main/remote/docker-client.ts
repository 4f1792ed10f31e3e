// Docker over the SSH tunnel: dockerode speaking HTTP through a stream-local forward to the server's
// Docker socket (one channel per request; no keep-alive agent — a channel is not a socket).
import http from 'node:http';
import Docker from 'dockerode';
import type { Duplex } from 'node:stream';
import type { ContainerStats, ContainerSummary, DockerEngineInfo } from '../../shared/model';
import { FlipdeckError } from '../../shared/errors';
import type { SshConnection } from './ssh-connection';
import { asSocketLike } from './channel-socket';

export const MIN_API_VERSION = 1.41;

function socketError(
  err: Error & { code?: string },
  socketPath: string,
  host: string,
  diagnose?: () => Promise<'missing' | 'denied' | 'ok'>,
): Promise<Error> {
  const fixPath = "set the Docker socket path of this server (Docker's default is /var/run/docker.sock)";
  const make = (kind: 'missing' | 'denied' | 'ok' | 'unknown') => {
    if (kind === 'missing')
      return new FlipdeckError('docker_unavailable', `no Docker socket at ${socketPath} on ${host}`, {
        fix: `start Docker on the server, or ${fixPath}`,
        detail: { socketPath },
      });
    if (kind === 'denied')
      return new FlipdeckError(
        'permission_denied',
        `the SSH user may not use the Docker socket ${socketPath} on ${host}`,
        {
          fix: `add the user to the socket's group (usually: sudo usermod -aG docker USER, then log in again), or ${fixPath}`,
          detail: { socketPath },
        },
      );
    return new FlipdeckError(
      'docker_unavailable',
      `cannot open the Docker socket ${socketPath} on ${host}: ${err.message}`,
      { fix: fixPath, detail: { socketPath } },
    );
  };
  if (!diagnose)
    return Promise.resolve(make(err.code === 'ENOENT' ? 'missing' : err.code === 'EACCES' ? 'denied' : 'unknown'));
  return diagnose().then(make, () => make('unknown'));
}

function agentOver(open: () => Promise<Duplex>): http.Agent {
  const agent = new http.Agent({ keepAlive: false });
  agent.createConnection = ((_o: unknown, cb: (err: Error | null, s?: Duplex) => void) => {
    open().then(
      (s) => cb(null, asSocketLike(s)),
      (err: Error) => cb(err),
    );
    return undefined;
  }) as unknown as http.Agent['createConnection'];
  return agent;
}

export function dockerOverSsh(conn: SshConnection, socketPath: string, host = 'server'): Docker {
  // The channel failure does not say why; one quoted `test` tells a missing socket from a denied one.
  const diagnose = async () => {
    const exists = await conn.exec(['test', '-S', socketPath]);
    if (exists.exitCode !== 0) return 'missing' as const;
    const usable = await conn.exec(['test', '-r', socketPath, '-a', '-w', socketPath]);
    return usable.exitCode === 0 ? ('ok' as const) : ('denied' as const);
  };
  const open = async () => {
    try {
      return await conn.openUnixSocket(socketPath);
    } catch (err) {
      throw await socketError(err as Error, socketPath, host, diagnose);
    }
  };
  return new Docker({ protocol: 'http', host: 'docker', port: 80, agent: agentOver(open) } as Docker.DockerOptions);
}

export function localDocker(socketPath: string): Docker {
  return new Docker({ socketPath });
}

function wrap<T>(p: Promise<T>, socketPath: string): Promise<T> {
  return p.catch(async (err: Error & { code?: string }) => {
    if (err instanceof FlipdeckError) throw err;
    if (err.code === 'ENOENT' || err.code === 'EACCES') throw await socketError(err, socketPath, 'this computer');
    throw err;
  });
}

export async function engineInfo(docker: Docker, socketPath = ''): Promise<DockerEngineInfo> {
  const v = await wrap(docker.version(), socketPath);
  return {
    version: v.Version,
    apiVersion: v.ApiVersion,
    os: `${v.Os}/${v.Arch}`,
    supported: Number(v.ApiVersion) >= MIN_API_VERSION,
  };
}

interface RawStats {
  cpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: { cache?: number; inactive_file?: number } };
}

export function statsFrom(s: RawStats): ContainerStats {
  const cpuDelta = (s.cpu_stats?.cpu_usage?.total_usage ?? 0) - (s.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const sysDelta = (s.cpu_stats?.system_cpu_usage ?? 0) - (s.precpu_stats?.system_cpu_usage ?? 0);
  const cpus = s.cpu_stats?.online_cpus ?? 1;
  const cache = s.memory_stats?.stats?.inactive_file ?? s.memory_stats?.stats?.cache ?? 0;
  return {
    cpuPercent: sysDelta > 0 && cpuDelta > 0 ? Math.round((cpuDelta / sysDelta) * cpus * 1000) / 10 : 0,
    memoryBytes: Math.max(0, (s.memory_stats?.usage ?? 0) - cache),
    memoryLimitBytes: s.memory_stats?.limit ?? 0,
  };
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

export async function listContainers(
  docker: Docker,
  opts: { stats: boolean },
  socketPath = '',
): Promise<ContainerSummary[]> {
  const list = await wrap(docker.listContainers({ all: true }), socketPath);
  const summaries: ContainerSummary[] = list.map((c) => ({
    id: c.Id,
    name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
    image: c.Image,
    state: c.State,
    status: c.Status,
    labels: c.Labels ?? {},
    createdAt: new Date(c.Created * 1000).toISOString(),
  }));
  if (opts.stats) {
    await mapLimit(
      summaries.filter((c) => c.state === 'running'),
      6,
      async (c) => {
        try {
          c.stats = statsFrom((await docker.getContainer(c.id).stats({ stream: false })) as RawStats);
        } catch {
          /* a container that stopped meanwhile has no stats */
        }
      },
    );
  }
  return summaries.sort((a, b) => a.name.localeCompare(b.name));
}
