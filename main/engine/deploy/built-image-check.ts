// The build step's authoritative checks, on the image it built (the pre-flight's are early and
// advisory, from the source and the base image: ../preflight/checks/odoo-source.ts). One one-off in
// the built image (../odoo/image-facts.ts) answers both: every `depends` of the source's installable
// addons must be an installable addon the image loads (a dependency available only as
// `installable: False`, or only as a database row, is missing), and the external_dependencies of the
// addons that are or will be installed must be met. Pure functions here; build-step.ts runs them.
import type { SourceFacts } from '../preflight/source-facts';
import { unmetDependencies } from '../preflight/checks/odoo-source';
import type { ModuleStamp } from '../preflight/checks/modules';
import { externalDependencyList, externalDependencyProblems, type ExternalDependency } from '../odoo/external-deps';
import { loadableAddons, type ImageFacts } from '../odoo/image-facts';

export interface ExternalDepsPlan {
  deps: ExternalDependency[];
  /** Which addons were chosen, and why: said in the build log. */
  note: string;
}

/**
 * The addons whose external_dependencies count: the source's installable addons that the database
 * has installed, or that this deploy installs (new against the live image's stamp, with the source
 * addons they depend on). When the database's modules are unknown at build time, every installable
 * addon of the source.
 */
export function externalDepsPlan(
  src: SourceFacts,
  installed: Set<string> | null,
  live: ModuleStamp | null,
): ExternalDepsPlan {
  const installable = src.addons.filter((a) => a.installable);
  if (!installed) {
    return {
      deps: externalDependencyList(installable),
      note: `the database's installed modules are not known at build time: checked every installable addon of the source (${installable.length})`,
    };
  }
  const byName = new Map(installable.map((a) => [a.name, a]));
  const chosen = new Set(installable.filter((a) => installed.has(a.name)).map((a) => a.name));
  const todo = live ? installable.filter((a) => !(a.name in live) && !installed.has(a.name)).map((a) => a.name) : [];
  while (todo.length) {
    const n = todo.pop()!;
    if (chosen.has(n)) continue;
    chosen.add(n);
    for (const d of byName.get(n)?.depends ?? []) if (byName.has(d) && !installed.has(d)) todo.push(d);
  }
  return {
    deps: externalDependencyList(installable, chosen),
    note: `checked the ${chosen.size} addon(s) of the source that the database has installed or this deploy installs`,
  };
}

export interface BuiltImageVerdict {
  /** Why the build step refuses the image; null when it may run. */
  refusal: string | null;
  warnings: string[];
  log: string[];
}

export function builtImageVerdict(
  src: SourceFacts,
  image: ImageFacts,
  installed: Set<string> | null,
): BuiltImageVerdict {
  const warnings: string[] = [];
  const log: string[] = [];
  const loadable = loadableAddons(image);
  // The image's conf may be written by its entrypoint at start (camptocamp's images): a source addon the
  // listing does not see is said, and still counted, rather than refusing on what could not be read.
  const unseen = src.addons.filter((a) => a.installable && !(a.name in image.addons)).map((a) => a.name);
  if (unseen.length)
    warnings.push(
      `${unseen.length} addon(s) of the source are not on the built image's addons path (${image.conf ?? 'no odoo.conf found'}): ${unseen.slice(0, 10).join(', ')}${unseen.length > 10 ? ', …' : ''} — Odoo will not load them unless the entrypoint adds their directory`,
    );
  const available = new Set([...loadable, ...unseen]);
  const uninstallable = new Set(Object.keys(image.addons).filter((n) => !available.has(n)));
  const unmet = unmetDependencies(src, available, uninstallable, installed);
  const ignored = new Map(image.ignored.map((i) => [i.name, `${i.path}: ${i.why}`]));
  const why = (line: string) => {
    const dep = line.split(' needs ')[1]!.split(' ')[0]!;
    return ignored.has(dep) && !line.endsWith(')') ? `${line} (${ignored.get(dep)})` : line;
  };
  const missing = [
    ...unmet.missing.map(why),
    ...unmet.rowOnly.map((m) => `${m} (installed in the database, but its code is not in the image)`),
  ];
  const problems = externalDependencyProblems(image.external);
  const parts: string[] = [];
  if (missing.length)
    parts.push(
      `missing dependencies in the built image: ${missing.join('; ')}. Odoo would skip these addons without an error — add the missing addons to the source (or install them in the Dockerfile), or remove them from \`depends\``,
    );
  for (const p of problems) parts.push(`${p.message} — ${p.fix}`);
  if (!parts.length) {
    const checked = image.external.length;
    log.push(
      `the built image loads ${loadable.size} installable addon(s): every dependency of ${src.addons.length} source addon(s) resolves${checked ? `; ${checked} external dependenc${checked === 1 ? 'y' : 'ies'} met` : ''}`,
    );
  }
  return { refusal: parts.length ? parts.join('\n') : null, warnings, log };
}
