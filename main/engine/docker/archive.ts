// Small files in and out of containers through Docker's archive API: no shell, no host path, and it
// works on created-but-stopped containers too (the deploy lock relies on that).
import type Docker from 'dockerode';
import { extract, pack } from 'tar-stream';

export function singleFileTar(name: string, content: string | Buffer, mode = 0o644): Promise<Buffer> {
  const p = pack();
  p.entry({ name, mode }, content);
  return finished(p);
}

/** Ends a tar stream and collects it. */
function finished(p: ReturnType<typeof pack>): Promise<Buffer> {
  p.finalize();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    p.on('data', (c: unknown) => chunks.push(c as Buffer));
    p.on('end', () => resolve(Buffer.concat(chunks)));
    p.on('error', reject);
  });
}

/** Files a container gets through the archive API before it starts (never in Env, labels or Cmd). */
export interface SecretFile {
  /** Absolute path inside the container, e.g. /run/flipdeck/db-password. */
  path: string;
  content: string;
}

/** One tar of `files` relative to `/`, with their directories; files 0444 (the image's own user reads them). */
export function secretFilesTar(files: SecretFile[]): Promise<Buffer> {
  const p = pack();
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.path.replace(/^\//, '').split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  for (const d of [...dirs].sort()) p.entry({ name: `${d}/`, type: 'directory', mode: 0o755 });
  for (const f of files) p.entry({ name: f.path.replace(/^\//, ''), mode: 0o444 }, f.content);
  return finished(p);
}

/** createContainer, then the secret files copied in, then nothing else: the caller starts it. */
export async function createWithFiles(
  docker: Docker,
  spec: Docker.ContainerCreateOptions & { files?: SecretFile[] },
): Promise<Docker.Container> {
  const { files, ...create } = spec;
  const c = await docker.createContainer(create);
  if (files?.length) await c.putArchive(await secretFilesTar(files), { path: '/' });
  return c;
}

export function isDockerStatus(err: unknown, code: number): boolean {
  return typeof err === 'object' && err !== null && (err as { statusCode?: number }).statusCode === code;
}

/** The first file of a tar stream, as text. */
export function firstFileText(stream: NodeJS.ReadableStream): Promise<string | null> {
  const ex = extract();
  return new Promise((resolve, reject) => {
    let text: string | null = null;
    ex.on('entry', (_h, s, next) => {
      const chunks: Buffer[] = [];
      s.on('data', (c: unknown) => chunks.push(c as Buffer));
      s.on('end', () => {
        text ??= Buffer.concat(chunks).toString('utf8');
        next();
      });
      s.resume();
    });
    ex.on('finish', () => resolve(text));
    ex.on('error', reject);
    stream.pipe(ex);
  });
}

/** Reads a file from a container, or null when it does not exist. */
export async function readContainerFile(docker: Docker, container: string, path: string): Promise<string | null> {
  try {
    return await firstFileText(await docker.getContainer(container).getArchive({ path }));
  } catch (err) {
    if (isDockerStatus(err, 404)) return null;
    throw err;
  }
}

export async function writeContainerFile(
  docker: Docker,
  container: string,
  dir: string,
  name: string,
  content: string | Buffer,
): Promise<void> {
  await docker.getContainer(container).putArchive(await singleFileTar(name, content), { path: dir });
}
