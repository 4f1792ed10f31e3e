// The one probe module the Odoo checks read server facts through: host memory and inotify limit,
// the addons an image ships, the modules a managed database has installed, the live image's module
// stamp, and whether the public port answers. Each read is bounded and returns null when it cannot
// tell, so a check says "could not read" instead of guessing. Tests inject these facts.
import type Docker from 'dockerode';
import type { Duplex } from 'node:stream';
import { envNames } from '../core/names';
import { demux } from '../docker/logs';
import { INSTALLED_MODULES_SQL, parseModuleNames } from '../odoo/addons';
import type { AuditSink } from '../core/server-link';
import type { ModuleStamp } from './checks/modules';
import type { BaseImageFacts } from './checks/base-image';
import { withTimeout } from '../../../shared/retry';
import { managedDbPassword } from '../odoo/container-specs';

export const MODULES_LABEL = 'io.flipdeck.modules';

export interface ServerFacts {
  memAvailableBytes: number | null;
  inotifyMaxUserWatches: number | null;
  imageAddons: Set<string> | null;
  installedModules: Set<string> | null;
  liveModules: ModuleStamp | null;
  liveRunning: boolean;
  /** The server mode (Odoo `workers`) the live pool's workers run; null when nothing is live or it cannot tell. */
  liveWorkers?: number | null;
  publicPort: { fromServer: boolean | null; fromHere: boolean | null };
  /** The image the build starts FROM (or the prebuilt image) against its registry; null when there is none. */
  baseImage: BaseImageFacts | null;
}

export function parseMeminfoAvailable(text: string): number | null {
  const kb = Number(/^MemAvailable:\s+(\d+) kB/m.exec(text)?.[1]);
  return Number.isFinite(kb) ? kb * 1024 : null;
}

/** Installed modules of a managed database (psql inside its own container); null for an external DSN or when it cannot tell. */
export async function installedModules(
  docker: Docker,
  audit: AuditSink,
  env: string,
  database: string,
): Promise<Set<string> | null> {
  const container = docker.getContainer(envNames(env).db);
  const info = await container.inspect().catch(() => null);
  if (!info?.State.Running) return null;
  const argv = ['psql', '-h', '127.0.0.1', '-U', 'odoo', '-d', database, '-tAc', INSTALLED_MODULES_SQL];
  // The password lives where it must anyway, in the database container; it goes to psql's env only.
  const password = await managedDbPassword(docker, envNames(env).db);
  const started = Date.now();
  try {
    const exec = await container.exec({
      Cmd: argv,
      ...(password ? { Env: [`PGPASSWORD=${password}`] } : {}),
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = (await exec.start({ hijack: true, stdin: false })) as unknown as Duplex;
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve) => {
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => resolve());
      stream.on('close', () => resolve());
      stream.on('error', () => resolve());
    });
    const output = demux(Buffer.concat(chunks));
    const code = (await exec.inspect()).ExitCode ?? null;
    await audit({
      action: 'preflight.installed_modules',
      argv: ['docker', 'exec', envNames(env).db, ...argv],
      ok: code === 0,
      exitCode: code,
      output: output.slice(0, 2000),
      durationMs: Date.now() - started,
    });
    // A database without Odoo yet (relation does not exist) has nothing installed.
    if (code !== 0) return /does not exist/.test(output) ? new Set() : null;
    return parseModuleNames(output);
  } catch {
    return null;
  }
}

/** The module stamp the live pool's image carries (set at build), or null when it has none. */
export async function liveModuleStamp(docker: Docker, liveImage: string | null): Promise<ModuleStamp | null> {
  if (!liveImage) return null;
  const info = await docker
    .getImage(liveImage)
    .inspect()
    .catch(() => null);
  const raw = info?.Config?.Labels?.[MODULES_LABEL];
  try {
    return raw ? (JSON.parse(raw) as ModuleStamp) : null;
  } catch {
    return null;
  }
}

/** The server's copy of `image` and the digest its registry serves now (asked through the daemon, bounded, audited). */
export async function baseImageFacts(
  docker: Docker,
  audit: AuditSink,
  image: string,
  timeoutMs = 15_000,
): Promise<BaseImageFacts> {
  const info = await docker
    .getImage(image)
    .inspect()
    .catch(() => null);
  const local = info ? { id: info.Id, created: info.Created, repoDigests: info.RepoDigests ?? [] } : null;
  const started = Date.now();
  const argv = ['docker', 'buildx', 'imagetools', 'inspect', image];
  let registry: BaseImageFacts['registry'];
  try {
    const d = await withTimeout(
      () => docker.getImage(image).distribution({}) as Promise<{ Descriptor?: { digest?: string } }>,
      timeoutMs,
      { what: `the registry of ${image}` },
    );
    registry = d.Descriptor?.digest ? { digest: d.Descriptor.digest } : { error: 'the registry gave no digest' };
  } catch (err) {
    registry = {
      error: (err as Error).message
        .replace(/^\(HTTP code \d+\) [a-z ]+ - /i, '')
        .split('\n')[0]!
        .slice(0, 200),
    };
  }
  await audit({
    action: 'preflight.registry_digest',
    argv,
    ok: 'digest' in registry,
    exitCode: 'digest' in registry ? 0 : 1,
    output: 'digest' in registry ? registry.digest : registry.error,
    durationMs: Date.now() - started,
  });
  return { image, local, registry };
}
