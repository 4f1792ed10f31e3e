// Which files of an addon make `-u` necessary, as click-odoo-update (acsone/click-odoo-contrib,
// update.py + _addon_hash.py) decides it: every file except its default exclude patterns, and the
// `.po` files directly in `i18n/` or `i18n_extra/` only for the languages active in the database,
// matched by language prefix (`fr_BE` active keeps `fr.po`, `fr_BE.po` and also `fr_CA.po`: the
// rule compares the part before the first `_` on both sides). An empty language list keeps every
// `.po`, as click-odoo-update does. Flipdeck also leaves out README files and `readme/`: Odoo reads
// them when it updates the module list, not when it runs `-u`.
//
// Stamp design: a digest depends on the database's languages, and the image label is written at
// build time, before any database is known. So an addon's checksum is kept in two parts: `core`,
// over the language-independent files, and `po`, one hash per language prefix over that prefix's
// `.po` files. Any language set can then be applied later (`checksumOf`) — at the pre-flight or the
// migration, where the database is known — without the files. Grouping by prefix loses nothing
// (the rule keeps or drops a whole prefix) and keeps the label small.
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** click-odoo-update's DEFAULT_EXCLUDE_PATTERNS (fnmatch, against the path relative to the addon). */
export const CLICK_ODOO_EXCLUDES = ['*.pyc', '*.pyo', 'i18n/*.pot', 'i18n_extra/*.pot', 'static/*', 'tests/*'];
/** Flipdeck's own: read at update-list (the module's description), not by `-u`. */
export const README_EXCLUDES = ['README.rst', 'README.md', 'README.txt', 'readme/*'];

export interface AddonChecksum {
  /** Over every kept file that is not a language's `.po`. */
  core: string;
  /** Language prefix (`fr`, `pt`, `zh`) → hash over that prefix's `.po` files in i18n/ and i18n_extra/. */
  po: Record<string, string>;
}

/** Python's fnmatch: `*` matches any run of characters, `/` included; `?` one character. */
function fnmatchRegex(pattern: string): RegExp {
  const body = [...pattern]
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 's');
}

const EXCLUDES = [...CLICK_ODOO_EXCLUDES, ...README_EXCLUDES].map(fnmatchRegex);

export function isExcluded(rel: string): boolean {
  return EXCLUDES.some((r) => r.test(rel));
}

/** The language prefix of a translation file the language rule applies to; null for any other file. */
export function poPrefix(rel: string): string | null {
  const m = /^(?:i18n|i18n_extra)\/([^/]+)\.po$/.exec(rel);
  return m ? m[1]!.split('_')[0]! : null;
}

/** The prefixes `languages` keep (`['en_US','fr_BE']` → en, fr); null (keep all) for an empty list. */
export function keptPrefixes(languages: readonly string[] | null | undefined): Set<string> | null {
  const prefixes = (languages ?? []).map((l) => l.split('_')[0]!).filter(Boolean);
  return prefixes.length ? new Set(prefixes) : null;
}

/** Every file below `dir`, as sorted posix paths; symlinked directories are not followed (as os.walk). */
export function addonFiles(dir: string, rel = '', out: string[] = []): string[] {
  for (const name of readdirSync(path.join(dir, rel))) {
    const r = rel ? `${rel}/${name}` : name;
    const full = path.join(dir, r);
    const st = lstatSync(full);
    if (st.isDirectory()) {
      if (name !== '.git') addonFiles(dir, r, out);
    } else if (st.isFile() || (st.isSymbolicLink() && statSync(full, { throwIfNoEntry: false })?.isFile())) out.push(r);
  }
  return rel ? out : out.sort();
}

const short = (h: ReturnType<typeof createHash>) => h.digest('hex').slice(0, 16);

/** Both parts of an addon's checksum, read once; path and content of each file are hashed. */
export function addonChecksumParts(dir: string): AddonChecksum {
  const core = createHash('sha256');
  const po = new Map<string, ReturnType<typeof createHash>>();
  for (const rel of addonFiles(dir)) {
    if (isExcluded(rel)) continue;
    const prefix = poPrefix(rel);
    const h = prefix === null ? core : (po.get(prefix) ?? po.set(prefix, createHash('sha256')).get(prefix)!);
    h.update(`${rel}\0`);
    h.update(readFileSync(path.join(dir, rel)));
    h.update('\0');
  }
  return {
    core: short(core),
    po: Object.fromEntries([...po.keys()].sort().map((p) => [p, short(po.get(p)!)])),
  };
}

/** The checksum as seen by a database with these languages: equal exactly when `-u` is not needed. */
export function checksumOf(parts: AddonChecksum, languages?: readonly string[] | null): string {
  const keep = keptPrefixes(languages);
  const h = createHash('sha256').update(`core\0${parts.core}\0`);
  for (const p of Object.keys(parts.po).sort()) if (!keep || keep.has(p)) h.update(`${p}\0${parts.po[p]}\0`);
  return h.digest('hex');
}

/** An addon directory's checksum for a database whose active languages are `languages` (hex sha256). */
export function addonChecksum(dir: string, languages: readonly string[]): string {
  return checksumOf(addonChecksumParts(dir), languages);
}
