// What a deploy's source says about Odoo, read from a local directory without running anything:
// each addon's manifest (version, depends, installable, external dependencies) and checksums of its
// files, the Dockerfile's base image, and an odoo.conf if the source ships one. Addons are found by
// the conf's addons_path and the doodba / camptocamp layouts (../odoo/addon-dirs.ts). Manifests are
// Python dict literals: they are read as text, never evaluated.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { baseImageOf, copyLines } from '../docker/dockerfile';
import { addonChecksumParts, type AddonChecksum } from '../odoo/addon-checksum';
import { addonManifest, findAddonDirs, type AddonsLayout } from '../odoo/addon-dirs';

export interface ExternalDependencies {
  /** pip requirement strings (`python-dateutil`, `sentry_sdk<=1.9.0`) or import names (`dateutil`). */
  python: string[];
  /** Programs looked up on PATH (`wkhtmltopdf`). */
  bin: string[];
}

export interface AddonFacts {
  name: string;
  /** Relative to the source root. */
  dir: string;
  version: string | null;
  depends: string[];
  installable: boolean;
  /** sha256 over every file of the addon (paths and contents, sorted): the stamp's old comparison. */
  hash: string;
  /** click-odoo-update's checksum, in parts a database's languages are applied to later. */
  checksum?: AddonChecksum;
  externalDependencies?: ExternalDependencies;
}

export interface OdooConf {
  workers?: number;
  limitMemoryHard?: number;
  /** Seconds a request may run before Odoo stops it (threaded: re-executes the server; prefork: kills the worker). */
  limitTimeReal?: number;
  serverWideModules?: string[];
  dbfilter?: string;
  proxyMode?: boolean;
  /** As written: container paths, mapped back to the source by ../odoo/addon-dirs.ts. */
  addonsPath?: string[];
}

export interface SourceFacts {
  addons: AddonFacts[];
  /** The Dockerfile's last FROM image, when there is a Dockerfile. */
  baseImage: string | null;
  conf: OdooConf | null;
  /** Where the conf was found, relative to the source root. */
  confPath: string | null;
  /** How the addons were found; addons_path entries not in the source. */
  addonsLayout?: AddonsLayout;
  unmappedAddonsPath?: string[];
  /** Addons the Dockerfile or a root requirements*.txt pip-installs (`odoo-addon-<name>`, `odoo14-addon-<name>`). */
  pipAddons?: string[];
}

const SKIP = new Set(['.git', 'node_modules', '__pycache__', '.venv']);

/** The value of `'key': '…'` (or a bool) in a manifest's text; null when absent. */
function manifestString(text: string, key: string): string | null {
  const m = new RegExp(`['"]${key}['"]\\s*:\\s*(?:'([^']*)'|"([^"]*)")`).exec(text);
  return m ? (m[1] ?? m[2] ?? null) : null;
}

export function parseManifest(text: string): { version: string | null; depends: string[]; installable: boolean } {
  const clean = text.replace(/^\s*#.*$/gm, '');
  const depends = /['"]depends['"]\s*:\s*[[(]([^\])]*)[\])]/.exec(clean)?.[1] ?? '';
  const installable = /['"]installable['"]\s*:\s*False\b/.test(clean) ? false : true;
  return {
    version: manifestString(clean, 'version'),
    depends: [...depends.matchAll(/'([^']+)'|"([^"]+)"/g)].map((m) => (m[1] ?? m[2])!.trim()).filter(Boolean),
    installable,
  };
}

/** A list of strings under `key` in a dict literal's text (`'python': ['a', "b<2"]`). */
function stringList(text: string, key: string): string[] {
  const body = new RegExp(`['"]${key}['"]\\s*:\\s*[[(]([^\\])]*)[\\])]`).exec(text)?.[1] ?? '';
  return [...body.matchAll(/'([^']*)'|"([^"]*)"/g)].map((m) => (m[1] ?? m[2])!.trim()).filter(Boolean);
}

/** The manifest's `external_dependencies` (`python` and `bin`; `deb` is for packagers, not Odoo). */
export function parseExternalDependencies(text: string): ExternalDependencies {
  const clean = text.replace(/^\s*#.*$/gm, '');
  const body = /['"]external_dependencies['"]\s*:\s*\{([^{}]*)\}/.exec(clean)?.[1] ?? '';
  return { python: stringList(body, 'python'), bin: stringList(body, 'bin') };
}

/** Odoo's own config format (INI, [options]); only the keys deploys care about. */
export function parseOdooConf(text: string): OdooConf {
  const out: OdooConf = {};
  let inOptions = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) {
      inOptions = line === '[options]';
      continue;
    }
    if (!inOptions || !line || line.startsWith('#') || line.startsWith(';')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (key === 'workers' && /^\d+$/.test(value)) out.workers = Number(value);
    if (key === 'limit_memory_hard' && /^\d+$/.test(value)) out.limitMemoryHard = Number(value);
    if (key === 'limit_time_real' && /^\d+$/.test(value)) out.limitTimeReal = Number(value);
    if (key === 'server_wide_modules')
      out.serverWideModules = value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    if (key === 'dbfilter') out.dbfilter = value;
    if (key === 'proxy_mode') out.proxyMode = /^(true|1|yes|on)$/i.test(value);
    if (key === 'addons_path')
      out.addonsPath = value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
  }
  return out;
}

function hashDir(root: string): string {
  const h = createHash('sha256');
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(root, rel)).sort()) {
      if (SKIP.has(name) || name.endsWith('.pyc')) continue;
      const r = rel ? `${rel}/${name}` : name;
      const st = statSync(path.join(root, r));
      if (st.isDirectory()) walk(r);
      else if (st.isFile()) {
        h.update(`${r}\0`);
        h.update(readFileSync(path.join(root, r)));
        h.update('\0');
      }
    }
  };
  walk('');
  return h.digest('hex').slice(0, 16);
}

function addonFacts(root: string, rel: string): AddonFacts {
  const dir = path.join(root, rel);
  const text = readFileSync(path.join(dir, addonManifest(dir) ?? '__manifest__.py'), 'utf8');
  return {
    name: path.basename(rel),
    dir: rel,
    ...parseManifest(text),
    hash: hashDir(dir),
    checksum: addonChecksumParts(dir),
    externalDependencies: parseExternalDependencies(text),
  };
}

/** Addon names in pip distribution names (`odoo-addon-mis_builder`, `odoo14-addon-queue-job>=…`). */
export function pipAddonNames(text: string): string[] {
  const names = [...text.matchAll(/\bodoo\d*[-_.]addon[-_.]([A-Za-z0-9_.-]*[A-Za-z0-9])/g)].map((m) =>
    m[1]!.replace(/[-.]/g, '_').toLowerCase(),
  );
  return [...new Set(names)].sort();
}

function pipAddonsOf(root: string, dockerText: string | null): string[] {
  const reqs = readdirSync(root).filter((n) => /^requirements.*\.txt$/.test(n));
  const texts = [dockerText ?? '', ...reqs.map((n) => readFileSync(path.join(root, n), 'utf8'))];
  return pipAddonNames(texts.join('\n'));
}

export function readSourceFacts(root: string, dockerfile = 'Dockerfile'): SourceFacts {
  const df = path.join(root, dockerfile);
  const dockerText = existsSync(df) ? readFileSync(df, 'utf8') : null;
  const confPath =
    ['odoo.conf', 'etc/odoo.conf', 'config/odoo.conf', 'odoo.cfg'].find((p) => existsSync(path.join(root, p))) ?? null;
  const conf = confPath ? parseOdooConf(readFileSync(path.join(root, confPath), 'utf8')) : null;
  const found = findAddonDirs(root, conf?.addonsPath ?? [], dockerText ? copyLines(dockerText) : []);
  return {
    addons: found.dirs.map((rel) => addonFacts(root, rel)),
    baseImage: dockerText ? baseImageOf(dockerText) : null,
    conf,
    confPath,
    addonsLayout: found.layout,
    unmappedAddonsPath: found.unmapped,
    pipAddons: pipAddonsOf(root, dockerText),
  };
}
