// Odoo's own addons when the base image's Odoo changed: which core addons a new image brings with a
// new manifest version (the built image's against the live one's, both asked with ../odoo/image-facts.ts
// — the live image beside the build, the built one by the build's check). They are reported on every
// such deploy, and added to `-u` only when the environment says `update_core: true`: a core update
// rewrites much of the database and is the operator's call, as with click-odoo-update's --ignore-core-addons.
// Why not a label like the module stamp: a label is written before the build, while Odoo's core
// versions are known only once the image exists (a Dockerfile may install or patch Odoo itself).
import type { ImageFacts } from '../odoo/image-facts';
import { coreVersions } from '../odoo/image-facts';
import type { ModuleChanges } from '../preflight/checks/modules';

export interface CoreChange {
  name: string;
  from: string | null;
  to: string | null;
}

export interface CoreUpdate {
  /** Both images answered: the comparison was made. */
  compared: boolean;
  odoo: { from: string | null; to: string | null };
  /** Core addons in both images whose manifest version differs (installed ones, when known). */
  changed: CoreChange[];
  /** What goes to `-u`: the changed ones when `update_core`, else none. */
  update: string[];
}

export function coreUpdate(
  live: ImageFacts | null,
  next: ImageFacts | null,
  installed: Set<string> | null,
  updateCore: boolean,
): CoreUpdate {
  const odoo = { from: live?.odoo?.version ?? null, to: next?.odoo?.version ?? null };
  if (!live || !next) return { compared: false, odoo, changed: [], update: [] };
  const [l, n] = [coreVersions(live), coreVersions(next)];
  const changed = Object.keys(n)
    .filter((name) => name in l && l[name] !== n[name] && (!installed || installed.has(name)))
    .sort()
    .map((name) => ({ name, from: l[name] ?? null, to: n[name] ?? null }));
  return { compared: true, odoo, changed, update: updateCore ? changed.map((c) => c.name) : [] };
}

/** The migrating step's line about Odoo's core; null when nothing changed. */
export function describeCoreUpdate(c: CoreUpdate): string | null {
  if (!c.compared || (!c.changed.length && c.odoo.from === c.odoo.to)) return null;
  const odoo = c.odoo.from !== c.odoo.to ? `Odoo ${c.odoo.from ?? '?'} → ${c.odoo.to ?? '?'}: ` : '';
  if (!c.changed.length) return `${odoo}no core addon changed its manifest version`;
  const list = c.changed.map((x) => `${x.name} ${x.from ?? '?'} → ${x.to ?? '?'}`).join(', ');
  return c.update.length
    ? `${odoo}the base image's Odoo changed core addons: ${list} — updated (-u), as update_core: true asks`
    : `${odoo}the base image's Odoo changed core addons: ${list} — not updated (update_core: false; set update_core: true to run -u on them)`;
}

/** The module changes with the core addons to update added: any makes the deploy schema-changing. */
export function withCoreUpdate(changes: ModuleChanges, core: CoreUpdate): ModuleChanges {
  if (!core.update.length) return changes;
  const update = [...new Set([...changes.update, ...core.update])].sort();
  return {
    ...changes,
    update,
    unchanged: changes.unchanged.filter((n) => !update.includes(n)),
    kind: 'schema-changing',
  };
}
