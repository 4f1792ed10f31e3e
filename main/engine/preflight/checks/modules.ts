// Which modules a deploy updates: compared by manifest version and by a hash of each module's files
// (as click-odoo-update does) between the live image (its label) and the new source. Only those are
// updated (-u), plus new ones installed; none means a code-only deploy, a true zero-downtime flip.
import type { PreflightCheck } from '../../../../shared/deploy';
import type { AddonFacts } from '../source-facts';

export type ModuleStamp = Record<string, { version: string | null; hash: string }>;

export function moduleStamp(addons: AddonFacts[]): ModuleStamp {
  return Object.fromEntries(
    addons.filter((a) => a.installable).map((a) => [a.name, { version: a.version, hash: a.hash }]),
  );
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

/** `installed`, when known: a changed module that is not installed needs no update (Odoo would ignore -u). */
export function moduleChanges(
  live: ModuleStamp | null,
  next: ModuleStamp,
  installed?: Set<string> | null,
): ModuleChanges {
  if (!live) return { update: [], added: Object.keys(next).sort(), removed: [], unchanged: [], kind: 'unknown' };
  const update: string[] = [];
  const added: string[] = [];
  const unchanged: string[] = [];
  for (const [name, n] of Object.entries(next)) {
    const l = live[name];
    if (!l) added.push(name);
    else if ((l.hash !== n.hash || l.version !== n.version) && (!installed || installed.has(name))) update.push(name);
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
