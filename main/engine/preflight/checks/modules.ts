// Which modules a deploy updates: compared by manifest version and by each module's checksum between
// the live image (its label) and the new source. Only those are updated (-u), plus new ones
// installed; none means a code-only deploy, a true zero-downtime flip.
// The checksum follows click-odoo-update's rules (../../odoo/addon-checksum.ts): a stamp entry keeps
// `core` (language-independent files) and `po` (one hash per language prefix), so the comparison
// applies the database's active languages when they are known: a changed fr.po is no change for an
// English-only database. `hash` (every file) stays for labels written before `core` existed: when
// either side lacks `core`, the old all-files comparison decides.
// `po` is written as one string (`de.<hash>~fr.<hash>`): OCA addons ship 20-40 languages, and the
// label travels in the build request's query string, where JSON quotes cost three bytes each.
import type { PreflightCheck } from '../../../../shared/deploy';
import { checksumOf, type AddonChecksum } from '../../odoo/addon-checksum';
import type { AddonFacts } from '../source-facts';

export interface ModuleStampEntry {
  version: string | null;
  /** Every file (the stamp before click-odoo-update's rules); compared only against an old stamp. */
  hash: string;
  core?: string;
  po?: string;
}

export type ModuleStamp = Record<string, ModuleStampEntry>;

export function encodePo(po: Record<string, string>): string {
  return Object.keys(po)
    .sort()
    .map((p) => `${p}.${po[p]}`)
    .join('~');
}

export function decodePo(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (text ?? '').split('~').filter(Boolean)) {
    const dot = part.lastIndexOf('.');
    if (dot > 0) out[part.slice(0, dot)] = part.slice(dot + 1);
  }
  return out;
}

export function moduleStamp(addons: AddonFacts[]): ModuleStamp {
  return Object.fromEntries(
    addons
      .filter((a) => a.installable)
      .map((a) => [
        a.name,
        {
          version: a.version,
          hash: a.hash,
          ...(a.checksum ? { core: a.checksum.core, po: encodePo(a.checksum.po) } : {}),
        },
      ]),
  );
}

/** Whether `-u` is needed for a module's files, seen by a database with these languages (unknown: all). */
export function filesChanged(l: ModuleStampEntry, n: ModuleStampEntry, languages?: readonly string[] | null): boolean {
  if (l.core === undefined || n.core === undefined) return l.hash !== n.hash;
  const parts = (e: ModuleStampEntry): AddonChecksum => ({ core: e.core!, po: decodePo(e.po) });
  return checksumOf(parts(l), languages) !== checksumOf(parts(n), languages);
}

export interface ModuleChanges {
  /** Changed files or version: need `-u`. */
  update: string[];
  /** Not in the live image: installed by the deploy only if asked (new modules do not install themselves). */
  added: string[];
  removed: string[];
  /** Same files and version: nothing to do. */
  unchanged: string[];
  kind: 'code-only' | 'schema-changing' | 'unknown';
}

/**
 * `installed`, when known: a changed module that is not installed needs no update (Odoo would ignore -u).
 * `languages`, the database's active ones (`res_lang.code`), when known: only their .po files count.
 */
export function moduleChanges(
  live: ModuleStamp | null,
  next: ModuleStamp,
  installed?: Set<string> | null,
  languages?: readonly string[] | null,
): ModuleChanges {
  if (!live) return { update: [], added: Object.keys(next).sort(), removed: [], unchanged: [], kind: 'unknown' };
  const update: string[] = [];
  const added: string[] = [];
  const unchanged: string[] = [];
  for (const [name, n] of Object.entries(next)) {
    const l = live[name];
    if (!l) added.push(name);
    else if ((filesChanged(l, n, languages) || l.version !== n.version) && (!installed || installed.has(name)))
      update.push(name);
    else unchanged.push(name);
  }
  const removed = Object.keys(live).filter((n) => !(n in next));
  return {
    update: update.sort(),
    added: added.sort(),
    removed: removed.sort(),
    unchanged: unchanged.sort(),
    kind: update.length + added.length > 0 ? 'schema-changing' : 'code-only',
  };
}

export function modulesCheck(c: ModuleChanges): PreflightCheck {
  const id = 'modules';
  if (c.kind === 'unknown')
    return {
      id,
      status: 'pass',
      message: `first deploy (or a live image without a module stamp): ${c.added.length} module(s) in the source`,
    };
  if (c.kind === 'code-only')
    return {
      id,
      status: 'pass',
      message: `code-only deploy: no module changed (${c.unchanged.length} identical), no update needed`,
    };
  const parts = [
    c.update.length ? `update ${c.update.join(', ')}` : null,
    c.added.length ? `new ${c.added.join(', ')}` : null,
    c.removed.length ? `gone ${c.removed.join(', ')}` : null,
  ].filter(Boolean);
  return {
    id,
    status: 'warn',
    message: `schema-changing deploy: ${parts.join('; ')} (-u only these, never -u all)`,
    fix: 'a database backup is taken first; the update is rehearsed on a copy before it runs for real',
  };
}
