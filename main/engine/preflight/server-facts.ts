// The one probe module the Odoo checks read server facts through: host memory and inotify limit,
// the addons an image ships, the modules a managed database has installed, the live image's module
// stamp, and whether the public port answers. Each read is bounded and returns null when it cannot
// tell, so a check says "could not read" instead of guessing. Tests inject these facts.
import type Docker from 'dockerode';
import type { Duplex } from 'node:stream';
import { LABEL, envNames } from '../names';
import { demux, shortScript } from '../deploy/pool-ops';
import type { AuditSink } from '../deploy/server-link';
import type { ModuleStamp } from './checks/modules';
import type { BaseImageFacts } from './checks/base-image';

export const MODULES_LABEL = 'io.flipdeck.modules';

/** What Odoo has installed; read by the pre-flight (managed database) and the migrating step (any). */
export const INSTALLED_MODULES_SQL = "SELECT name FROM ir_module_module WHERE state = 'installed'";

export function parseModuleNames(output: string): Set<string> {
  return new Set(output.split('\n').map((l) => l.trim()).filter((l) => /^[a-z0-9_]+$/.test(l)));
}

export interface ServerFacts {
  memAvailableBytes: number | null;
  inotifyMaxUserWatches: number | null;
  imageAddons: Set<string> | null;
  installedModules: Set<string> | null;
  liveModules: ModuleStamp | null;
  liveRunning: boolean;
  publicPort: { fromServer: boolean | null; fromHere: boolean | null };
  /** The image the build starts FROM (or the prebuilt image) against its registry; null when there is none. */
  baseImage: BaseImageFacts | null;
}

/** Lists every addon the image can load: Odoo's own addons path and the config's addons_path. A fixed script. */
export const LIST_ADDONS_PY = [
  'import os, json, configparser',
  'paths = []',
  'try:',
  '    import odoo.addons',
  '    paths += list(odoo.addons.__path__)',
  'except Exception:',
  '    pass',
  'c = configparser.ConfigParser()',
  'try:',
  "    c.read(os.environ.get('ODOO_RC') or '/etc/odoo/odoo.conf')",
  "    paths += [p.strip() for p in c.get('options', 'addons_path', fallback='').split(',') if p.strip()]",
  'except Exception:',
  '    pass',
  'names = set()',
  'for p in paths:',
  '    try:',
  '        names.update(n for n in os.listdir(p) if os.path.isfile(os.path.join(p, n, "__manifest__.py")))',
  '    except OSError:',
  '        pass',
  'print(json.dumps(sorted(names)))',
].join('\n');

export function parseMeminfoAvailable(text: string): number | null {
  const kb = Number(/^MemAvailable:\s+(\d+) kB/m.exec(text)?.[1]);
  return Number.isFinite(kb) ? kb * 1024 : null;
}

/** Runs a fixed command in a throwaway container of `image` (no network), audited; null when it cannot. */
export async function runTool(docker: Docker, audit: AuditSink, image: string, entrypoint: string[], timeoutMs = 60_000): Promise<string | null> {
  const started = Date.now();
  const argv = ['docker', 'run', '--rm', '--network', 'none', '--entrypoint', entrypoint[0]!, image, ...entrypoint.slice(1).map(shortScript)];
  let c: Docker.Container | null = null;
  try {
    c = await docker.createContainer({ Image: image, Entrypoint: [entrypoint[0]!], Cmd: entrypoint.slice(1), User: '', Labels: { [LABEL.managed]: 'true', [LABEL.role]: 'preflight' }, HostConfig: { NetworkMode: 'none', AutoRemove: false } });
    await c.start();
    const waited = await Promise.race([c.wait() as Promise<{ StatusCode: number }>, new Promise<null>((r) => setTimeout(() => r(null), timeoutMs))]);
    const output = demux(await c.logs({ stdout: true, stderr: false, follow: false }) as unknown as Buffer);
    const exitCode = waited?.StatusCode ?? null;
    await audit({ action: 'preflight.inspect_image', argv, ok: exitCode === 0, exitCode, output: output.slice(0, 4000), durationMs: Date.now() - started });
    return exitCode === 0 ? output : null;
  } catch (err) {
    await audit({ action: 'preflight.inspect_image', argv, ok: false, exitCode: null, output: (err as Error).message, durationMs: Date.now() - started });
    return null;
  } finally {
    await c?.remove({ force: true }).catch(() => undefined);
  }
}

export async function imageAddons(docker: Docker, audit: AuditSink, image: string): Promise<Set<string> | null> {
  const out = await runTool(docker, audit, image, ['python3', '-c', LIST_ADDONS_PY]);
  try {
    return out ? new Set(JSON.parse(out.trim().split('\n').pop() ?? '[]') as string[]) : null;
  } catch {
    return null;
  }
}

/** Installed modules of a managed database (psql inside its own container); null for an external DSN or when it cannot tell. */
export async function installedModules(docker: Docker, audit: AuditSink, env: string, database: string): Promise<Set<string> | null> {
  const container = docker.getContainer(envNames(env).db);
  const info = await container.inspect().catch(() => null);
  if (!info?.State.Running) return null;
  const argv = ['psql', '-h', '127.0.0.1', '-U', 'odoo', '-d', database, '-tAc', INSTALLED_MODULES_SQL];
  // The password lives where it must anyway, in the database container; it goes to psql's env only.
  const password = info.Config.Env?.find((e) => e.startsWith('POSTGRES_PASSWORD='))?.slice('POSTGRES_PASSWORD='.length);
  const started = Date.now();
  try {
    const exec = await container.exec({ Cmd: argv, ...(password ? { Env: [`PGPASSWORD=${password}`] } : {}), AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false }) as unknown as Duplex;
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve) => {
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => resolve());
      stream.on('close', () => resolve());
      stream.on('error', () => resolve());
    });
    const output = demux(Buffer.concat(chunks));
    const code = (await exec.inspect()).ExitCode ?? null;
    await audit({ action: 'preflight.installed_modules', argv: ['docker', 'exec', envNames(env).db, ...argv], ok: code === 0, exitCode: code, output: output.slice(0, 2000), durationMs: Date.now() - started });
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
  const info = await docker.getImage(liveImage).inspect().catch(() => null);
  const raw = info?.Config?.Labels?.[MODULES_LABEL];
  try {
    return raw ? (JSON.parse(raw) as ModuleStamp) : null;
  } catch {
    return null;
  }
}

/** The server's copy of `image` and the digest its registry serves now (asked through the daemon, bounded, audited). */
export async function baseImageFacts(docker: Docker, audit: AuditSink, image: string, timeoutMs = 15_000): Promise<BaseImageFacts> {
  const info = await docker.getImage(image).inspect().catch(() => null);
  const local = info ? { id: info.Id, created: info.Created, repoDigests: info.RepoDigests ?? [] } : null;
  const started = Date.now();
  const argv = ['docker', 'buildx', 'imagetools', 'inspect', image];
  let registry: BaseImageFacts['registry'];
  try {
    const d = await Promise.race([
      docker.getImage(image).distribution({}) as Promise<{ Descriptor?: { digest?: string } }>,
      new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs)),
    ]);
    registry = d.Descriptor?.digest ? { digest: d.Descriptor.digest } : { error: 'the registry gave no digest' };
  } catch (err) {
    registry = { error: (err as Error).message.replace(/^\(HTTP code \d+\) [a-z ]+ - /i, '').split('\n')[0]!.slice(0, 200) };
  }
  await audit({ action: 'preflight.registry_digest', argv, ok: 'digest' in registry, exitCode: 'digest' in registry ? 0 : 1, output: 'digest' in registry ? registry.digest : registry.error, durationMs: Date.now() - started });
  return { image, local, registry };
}
