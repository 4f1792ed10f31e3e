// Lab images from Debian packages (no public registry is reachable here): a debootstrap rootfs cached as a
// tarball, imported as the base image, then `docker build` on top for each image, tagged by a
// hash of its build context so a change rebuilds it and an unchanged one is reused in seconds.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { LAB_SRC, paths } from './paths';
import { pipe, run } from './sh';
import { publish } from './registry';

export const SUITE = 'bookworm';
export const PACKAGES = [
  'python3',
  'python3-werkzeug',
  'python3-psycopg2',
  'python3-gevent',
  'haproxy',
  'postgresql',
  'curl',
  'procps',
  'ca-certificates',
  'dumb-init',
  'socat',
  'iproute2',
  'git',
  'openssh-client',
];

/** The Debian mirror, read from the machine's own apt sources (never written into the repo). */
export function debianMirror(sourcesText: string): string {
  for (const line of sourcesText.split('\n')) {
    const m = /^URIs:\s*(\S+)/.exec(line.trim());
    for (const uri of m?.[1] ? m[1].split(/\s+/) : []) if (/\/debian\/?$/.test(uri)) return uri;
  }
  const legacy = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s/m.exec(sourcesText);
  if (legacy?.[1]) return legacy[1];
  throw new Error('no Debian mirror (a URIs: line ending in /debian) in the apt sources');
}

export function readMirror(): string {
  const files = ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list'].filter((f) => existsSync(f));
  return debianMirror(files.map((f) => readFileSync(f, 'utf8')).join('\n'));
}

export function hashText(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 12);
}

/** A hash of every file in a build context (names and bytes), plus the base tag it builds on. */
export function contextHash(dir: string, base: string): string {
  const h = createHash('sha256').update(base);
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      if (name === '__pycache__' || name.endsWith('.pyc') || name === 'node_modules') continue;
      const full = path.join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else h.update(path.relative(dir, full)).update('\0').update(readFileSync(full)).update('\0');
    }
  };
  walk(dir);
  return h.digest('hex').slice(0, 12);
}

export async function ensureRootfs(log: (s: string) => void): Promise<string> {
  const key = hashText(SUITE, ...PACKAGES);
  const tar = path.join(paths.rootfsDir, `${SUITE}-${key}.tar`);
  if (existsSync(tar)) return tar;
  mkdirSync(paths.rootfsDir, { recursive: true });
  const work = path.join(paths.rootfsDir, `work-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  const mirror = readMirror();
  log(`debootstrap ${SUITE} (minbase + ${PACKAGES.length} packages) — once, cached in ${paths.rootfsDir}`);
  await run('debootstrap', ['--variant=minbase', `--include=${PACKAGES.join(',')}`, SUITE, work, mirror], {
    timeoutMs: 20 * 60_000,
  });
  // Smaller image, same behaviour: apt lists and docs are not needed at run time.
  for (const p of ['var/lib/apt/lists', 'var/cache/apt', 'usr/share/doc', 'usr/share/man'])
    rmSync(path.join(work, p), { recursive: true, force: true });
  await run('tar', ['-C', work, '-cf', `${tar}.partial`, '.']);
  renameSync(`${tar}.partial`, tar);
  rmSync(work, { recursive: true, force: true });
  return tar;
}

export interface LabImages {
  base: string;
  odoo: string;
  proxy: string;
  postgres: string;
}

async function imageExists(dockerHost: string, ref: string): Promise<boolean> {
  return (await run('docker', ['-H', dockerHost, 'image', 'inspect', ref], { allowFail: true })).code === 0;
}

export async function ensureImages(dockerHost: string, log: (s: string) => void): Promise<LabImages> {
  const tar = await ensureRootfs(log);
  const base = `flipdeck-lab/base:${hashText(path.basename(tar))}`;
  if (!(await imageExists(dockerHost, base))) {
    log(`docker import ${base}`);
    await pipe(['cat', [tar]], ['docker', ['-H', dockerHost, 'import', '-', base]]);
  }
  const build = async (name: string, dir: string): Promise<string> => {
    if (!existsSync(path.join(dir, 'Dockerfile'))) throw new Error(`${dir} has no Dockerfile`);
    const tag = `flipdeck-lab/${name}:${contextHash(dir, base)}`;
    if (await imageExists(dockerHost, tag)) return tag;
    log(`docker build ${tag}`);
    await run('docker', ['-H', dockerHost, 'build', '-q', '--build-arg', `BASE_IMAGE=${base}`, '-t', tag, dir], {
      env: { ...process.env, DOCKER_BUILDKIT: '0' },
    });
    return tag;
  };
  // What deploys use is the registry's copy (see registry.ts): pulled fresh, it is up to date.
  return {
    base,
    proxy: await publish(dockerHost, await build('haproxy', path.join(LAB_SRC, 'images', 'haproxy'))),
    postgres: await publish(dockerHost, await build('postgres', path.join(LAB_SRC, 'images', 'postgres'))),
    odoo: await publish(dockerHost, await build('odoo', path.join(LAB_SRC, 'odoo-standin'))),
  };
}
