// Where a source keeps its addons, read without running anything. In order: the odoo.conf's
// `addons_path` (container paths mapped back to the source through the Dockerfile's COPY lines, the
// doodba and camptocamp conventions, or the same path inside the source), then the doodba
// (`odoo/custom/src/<repo>/`) and camptocamp (`odoo/external-src/<repo>/`, `odoo/local-src/`)
// layouts; a source with none of these is scanned a few levels deep, as before. An addon is what
// Odoo's `is_addons_path` accepts: a directory with a manifest and an `__init__.py`. Early and
// advisory: the built image's addons path is the authority.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { CopyLine } from '../docker/dockerfile';

/** `__openerp__.py`: the manifest's name before Odoo 10, still accepted by the versions that followed it for a while. */
export const MANIFEST_NAMES = ['__manifest__.py', '__openerp__.py'];

const isFile = (p: string) => statSync(p, { throwIfNoEntry: false })?.isFile() ?? false;
const isDir = (p: string) => statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;

/** The addon's manifest file name, or null when `dir` is not an addon Odoo would load. */
export function addonManifest(dir: string): string | null {
  if (!isFile(path.join(dir, '__init__.py'))) return null;
  return MANIFEST_NAMES.find((m) => isFile(path.join(dir, m))) ?? null;
}

export type AddonsLayout = 'addons_path' | 'doodba' | 'camptocamp' | 'scan';

export interface AddonDirs {
  layout: AddonsLayout;
  /** The directories addons were looked for in (relative to the source root), in addons_path order. */
  roots: string[];
  /** Each addon's directory, relative to the source root; a name found twice keeps its first place. */
  dirs: string[];
  /** addons_path entries that are not in the source (Odoo's own, pip-installed, or unknown). */
  unmapped: string[];
}

const norm = (p: string) => path.posix.normalize(p.replace(/\/+$/, '') || '/');
const rel = (p: string) => (norm(p) === '.' ? '' : norm(p).replace(/^\.\//, ''));

const DOODBA_SRC = ['odoo/custom/src', 'custom/src'];
const C2C = { external: 'odoo/external-src', local: 'odoo/local-src' };

/** The source directories a container path of addons_path comes from; empty when none is known. */
export function sourceDirsFor(root: string, containerPath: string, copies: CopyLine[] = []): string[] {
  const p = norm(containerPath);
  const out: string[] = [];
  const add = (r: string) => {
    const d = rel(r);
    if (isDir(path.join(root, d)) && !out.includes(d)) out.push(d);
  };
  for (const c of copies) {
    const dest = norm(c.dest);
    if (p !== dest && !p.startsWith(`${dest}/`)) continue;
    for (const s of c.sources) add(path.posix.join(s, p.slice(dest.length)));
  }
  // doodba copies ./custom (beside its Dockerfile in odoo/) to /opt/odoo/custom in its ONBUILD steps.
  const doodba = /^\/opt\/odoo\/custom(\/.*)?$/.exec(p);
  if (doodba) for (const src of ['odoo/custom', 'custom']) add(`${src}${doodba[1] ?? ''}`);
  // doodba's auto/addons is a build-time folder of links to the selected addons of every repository.
  if (p === '/opt/odoo/auto/addons') for (const r of doodbaRoots(root)) add(r);
  // camptocamp's images copy ./external-src and ./local-src (beside its Dockerfile in odoo/) to /odoo.
  const c2c = /^\/odoo\/((?:external|local)-src(?:\/.*)?)$/.exec(p);
  if (c2c) add(`odoo/${c2c[1]}`);
  if (!out.length && !path.posix.isAbsolute(p)) add(p);
  if (!out.length && p !== '/') add(p.slice(1));
  return out;
}

function subdirs(root: string, dir: string): string[] {
  if (!isDir(path.join(root, dir))) return [];
  return readdirSync(path.join(root, dir))
    .filter((n) => !n.startsWith('.') && isDir(path.join(root, dir, n)))
    .sort()
    .map((n) => (dir ? `${dir}/${n}` : n));
}

function doodbaRoots(root: string): string[] {
  return DOODBA_SRC.flatMap((d) => subdirs(root, d));
}

function camptocampRoots(root: string): string[] {
  return [...subdirs(root, C2C.external), ...(isDir(path.join(root, C2C.local)) ? [C2C.local] : [])];
}

const SKIP = new Set(['node_modules', '__pycache__']);

function scan(root: string, r: string, depth: number, out: string[]): string[] {
  if (r && addonManifest(path.join(root, r))) {
    out.push(r);
    return out;
  }
  if (depth >= 3) return out;
  for (const name of readdirSync(path.join(root, r)).sort()) {
    if (SKIP.has(name) || name.startsWith('.')) continue;
    const child = r ? `${r}/${name}` : name;
    if (isDir(path.join(root, child))) scan(root, child, depth + 1, out);
  }
  return out;
}

export function findAddonDirs(root: string, addonsPath: string[] = [], copies: CopyLine[] = []): AddonDirs {
  const unmapped: string[] = [];
  const roots: string[] = [];
  for (const entry of addonsPath) {
    const dirs = sourceDirsFor(root, entry, copies);
    if (!dirs.length) unmapped.push(entry);
    for (const d of dirs) if (!roots.includes(d)) roots.push(d);
  }
  const doodba = doodbaRoots(root);
  const c2c = camptocampRoots(root);
  const layout: AddonsLayout = roots.length
    ? 'addons_path'
    : doodba.length
      ? 'doodba'
      : c2c.length
        ? 'camptocamp'
        : 'scan';
  for (const d of [...doodba, ...c2c]) if (!roots.includes(d)) roots.push(d);
  if (!roots.length) return { layout, roots: [''], dirs: scan(root, '', 0, []), unmapped };
  const names = new Set<string>();
  const dirs: string[] = [];
  for (const r of roots) {
    for (const d of subdirs(root, r)) {
      const name = path.posix.basename(d);
      if (names.has(name) || !addonManifest(path.join(root, d))) continue;
      names.add(name);
      dirs.push(d);
    }
  }
  return { layout, roots, dirs, unmapped };
}
