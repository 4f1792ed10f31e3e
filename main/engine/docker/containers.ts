// Container calls that every layer above needs, shaped so a retry after a lost reply is harmless.
import type Docker from 'dockerode';
import { withTimeout } from '../../../shared/retry';
import { LABEL } from '../core/names';
import { shortScript, type AuditSink } from '../core/server-link';
import { isDockerStatus } from './archive';
import { demux } from './logs';

/** `docker rm -f` that is done when the container is already gone (a retry after a lost reply). */
export async function forceRemove(docker: Docker, nameOrId: string): Promise<void> {
  await docker
    .getContainer(nameOrId)
    .remove({ force: true, v: false })
    .catch((err: unknown) => {
      if (!isDockerStatus(err, 404)) throw err;
    });
}

/** `docker start` that is done when the container already runs (304). */
export async function startIfStopped(docker: Docker, nameOrId: string): Promise<void> {
  await docker
    .getContainer(nameOrId)
    .start()
    .catch((err: unknown) => {
      if (!isDockerStatus(err, 304)) throw err;
    });
}

/** Waits for a started container to exit, at most `timeoutMs`; null when it did not (the caller removes it). */
export async function waitExit(c: Docker.Container, timeoutMs: number, what: string): Promise<number | null> {
  try {
    const r = await withTimeout(() => c.wait() as Promise<{ StatusCode: number }>, timeoutMs, { what });
    return r.StatusCode;
  } catch (err) {
    if ((err as { name?: string }).name === 'TimeoutError') return null;
    throw err;
  }
}

/** Runs a fixed command in a throwaway container of `image` (no network), audited; null when it cannot. */
export async function runTool(
  docker: Docker,
  audit: AuditSink,
  image: string,
  entrypoint: string[],
  timeoutMs = 60_000,
): Promise<string | null> {
  const started = Date.now();
  const argv = [
    'docker',
    'run',
    '--rm',
    '--network',
    'none',
    '--entrypoint',
    entrypoint[0]!,
    image,
    ...entrypoint.slice(1).map(shortScript),
  ];
  let c: Docker.Container | null = null;
  try {
    c = await docker.createContainer({
      Image: image,
      Entrypoint: [entrypoint[0]!],
      Cmd: entrypoint.slice(1),
      User: '',
      Labels: { [LABEL.managed]: 'true', [LABEL.role]: 'preflight' },
      HostConfig: { NetworkMode: 'none', AutoRemove: false },
    });
    await c.start();
    const exitCode = await waitExit(c, timeoutMs, `${entrypoint[0]} in ${image}`);
    const output = demux((await c.logs({ stdout: true, stderr: false, follow: false })) as unknown as Buffer);
    await audit({
      action: 'preflight.inspect_image',
      argv,
      ok: exitCode === 0,
      exitCode,
      output: output.slice(0, 4000),
      durationMs: Date.now() - started,
    });
    return exitCode === 0 ? output : null;
  } catch (err) {
    await audit({
      action: 'preflight.inspect_image',
      argv,
      ok: false,
      exitCode: null,
      output: (err as Error).message,
      durationMs: Date.now() - started,
    });
    return null;
  } finally {
    await c?.remove({ force: true }).catch(() => undefined);
  }
}
