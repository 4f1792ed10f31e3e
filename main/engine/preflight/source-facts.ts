// What a deploy's source says about Odoo, read from a local directory without running anything:
// each addon's manifest (version, depends, installable) and a hash of its files, the Dockerfile's
// base image, and an odoo.conf if the source ships one. Manifests are Python dict literals: they
// are read as text, never evaluated.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { baseImageOf } from '../docker/dockerfile';

export interface AddonFacts {
  name: string;
  /** Relative to the source root. */
  dir: string;
  version: string | null;
  depends: string[];
  installable: boolean;
  /** sha256 over every file of the addon (paths and contents, sorted), as click-odoo-update does. */
  hash: string;
}

export interface OdooConf {
  workers?: number;
  limitMemoryHard?: number;
  /** Seconds a request may run before Odoo stops it (threaded: re-executes the server; prefork: kills the worker). */
  limitTimeReal?: number;
  serverWideModules?: string[];
  dbfilter?: string;
  proxyMode?: boolean;
}

export interface SourceFacts {
  addons: AddonFacts[];
  /** The Dockerfile's last FROM image, when there is a Dockerfile. */
  baseImage: string | null;
  conf: OdooConf | null;
  /** Where the conf was found, relative to the source root. */
  confPath: string | null;
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

/** Addons are directories holding a __manifest__.py, up to three levels below the source root. */
function findAddons(root: string, rel = '', depth = 0, out: AddonFacts[] = []): AddonFacts[] {
  const dir = path.join(root, rel);
  const manifest = path.join(dir, '__manifest__.py');
  if (rel && existsSync(manifest)) {
    const m = parseManifest(readFileSync(manifest, 'utf8'));
    out.push({ name: path.basename(rel), dir: rel, ...m, hash: hashDir(dir) });
    return out;
  }
  if (depth >= 3) return out;
  for (const name of readdirSync(dir).sort()) {
    if (SKIP.has(name) || name.startsWith('.')) continue;
    if (statSync(path.join(dir, name)).isDirectory()) findAddons(root, rel ? `${rel}/${name}` : name, depth + 1, out);
  }
  return out;
}

export function readSourceFacts(root: string, dockerfile = 'Dockerfile'): SourceFacts {
  const df = path.join(root, dockerfile);
  const confPath =
    ['odoo.conf', 'etc/odoo.conf', 'config/odoo.conf', 'odoo.cfg'].find((p) => existsSync(path.join(root, p))) ?? null;
  return {
    addons: findAddons(root),
    baseImage: existsSync(df) ? baseImageOf(readFileSync(df, 'utf8')) : null,
    conf: confPath ? parseOdooConf(readFileSync(path.join(root, confPath), 'utf8')) : null,
    confPath,
  };
}
