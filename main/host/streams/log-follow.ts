// Follows the logs of an environment's workers (a pool, or one worker), each line labelled with its
// worker. Docker's log stream is framed (8-byte header per write, stdout/stderr) for non-TTY
// containers; a line may span frames, so partial lines are kept per worker until their newline.
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { Pool } from '../../../shared/deploy';
import { FlipdeckError } from '../../../shared/errors';
import { LABEL } from '../../engine/core/names';
import { FramedLineSplitter } from '../../engine/docker/logs';
import type { Target } from '../deploys/deployments';

export interface FollowOptions {
  env: string;
  pool?: Pool;
  /** One worker (a container name) instead of the whole pool. */
  worker?: string;
  tail: number;
  follow: boolean;
}

/** The web workers to follow, by name, oldest first. */
export async function workersToFollow(
  docker: Docker,
  o: Pick<FollowOptions, 'env' | 'pool' | 'worker' | 'follow'>,
): Promise<{ id: string; name: string }[]> {
  const label = [`${LABEL.environment}=${o.env}`, `${LABEL.role}=web`, ...(o.pool ? [`${LABEL.pool}=${o.pool}`] : [])];
  const list = await docker.listContainers({ all: !o.follow, filters: { label } });
  const workers = list
    .map((c) => ({ id: c.Id, name: c.Names[0]?.replace(/^\//, '') ?? c.Id }))
    .filter((w) => !o.worker || w.name === o.worker);
  if (o.worker && workers.length === 0)
    throw new FlipdeckError('not_found', `${o.worker} is not a running web worker of ${o.env}`, {
      fix: 'pick a worker from the environment view',
    });
  return workers.sort((a, b) => a.name.localeCompare(b.name));
}

/** Resolves when every followed stream has ended (or at once when not following), or the signal aborts. */
export async function followWorkerLogs(
  docker: Docker,
  o: FollowOptions,
  onLine: (worker: string, text: string) => void,
  signal?: AbortSignal,
): Promise<{ workers: string[] }> {
  const workers = await workersToFollow(docker, o);
  await Promise.all(
    workers.map(async (w) => {
      const container = docker.getContainer(w.id);
      const split = new FramedLineSplitter();
      const emit = (text: string) => onLine(w.name, text);
      if (!o.follow) {
        split.push(
          (await container.logs({ stdout: true, stderr: true, tail: o.tail, follow: false })) as unknown as Buffer,
          emit,
        );
        split.end(emit);
        return;
      }
      const stream = (await container.logs({
        stdout: true,
        stderr: true,
        tail: o.tail,
        follow: true,
      })) as unknown as Duplex;
      if (signal?.aborted) stream.destroy();
      signal?.addEventListener('abort', () => stream.destroy(), { once: true });
      await new Promise<void>((resolve) => {
        stream.on('data', (chunk: Buffer) => split.push(chunk, emit));
        const done = () => {
          split.end(emit);
          resolve();
        };
        stream.once('close', done);
        stream.once('end', done);
        stream.once('error', done);
      });
    }),
  );
  return { workers: workers.map((w) => w.name) };
}

/** Follows the logs of a pool's workers, each line labelled with its worker, until the signal aborts. */
export async function followLogs(
  t: Target,
  pool: Pool | undefined,
  follow: boolean,
  onLine: (line: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  await followWorkerLogs(
    t.link.docker,
    { env: t.environment.name, ...(pool ? { pool } : {}), tail: follow ? 50 : 200, follow },
    (worker, text) => onLine(`${worker} | ${text}`),
    signal,
  );
}
