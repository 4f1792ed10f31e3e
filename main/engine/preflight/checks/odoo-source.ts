// Checks on what the source holds: the missing-dependency trap, queue_job's wiring, and how Flipdeck
// runs the database filter and proxy mode for the edge.
import { cronLoad, QUEUE_JOB, WEB_WORKER_RUNNER_OFF } from '../../odoo/queue-job';
import type { PreflightCheck } from '../../../../shared/deploy';
import type { SourceFacts } from '../source-facts';

export interface UnmetDependencies {
  /** `shop needs sale`: found nowhere, or only as an addon with `installable: False`. */
  missing: string[];
  /** `shop needs sale`: installed in the database, but its code is in none of the places Odoo loads from. */
  rowOnly: string[];
}

/**
 * Each `depends` of each installable addon of the source against what Odoo can load: `available`
 * (installable addons), `uninstallable` (found, but `installable: False`: Odoo will not load them),
 * and the database's installed modules — a row there is no code, so it is reported, never accepted.
 * Shared by the pre-flight (source + base image, early) and the build step (the built image).
 */
export function unmetDependencies(
  src: SourceFacts,
  available: Set<string>,
  uninstallable: Set<string>,
  installed: Set<string> | null,
): UnmetDependencies {
  const out: UnmetDependencies = { missing: [], rowOnly: [] };
  for (const a of src.addons.filter((x) => x.installable))
    for (const d of a.depends) {
      if (available.has(d)) continue;
      if (uninstallable.has(d)) out.missing.push(`${a.name} needs ${d} (installable: False)`);
      else if (installed?.has(d)) out.rowOnly.push(`${a.name} needs ${d}`);
      else out.missing.push(`${a.name} needs ${d}`);
    }
  return out;
}

/**
 * The pre-flight's missing-dependency trap: early and advisory, from the source and the base image
 * (the image the Dockerfile starts FROM). The authoritative check runs in the build step, on the
 * image it built (../../deploy/built-image-check.ts), where pip-installed addons and the image's own
 * addons_path are visible. Every `depends` of every installable addon resolves to an installable
 * addon of the source or of the image; a missing one makes Odoo skip the addon silently (it stays
 * "to install"/uninstallable and its features vanish), so it fails here, by name — unless the
 * Dockerfile or a requirements file pip-installs it (`odoo-addon-<name>`), then the build decides.
 * A dependency present only as a database row (its code gone) is reported as a warning.
 */
export function manifestDependencyCheck(
  src: SourceFacts,
  imageAddons: Set<string> | null,
  installed: Set<string> | null,
): PreflightCheck {
  const id = 'manifest_dependencies';
  const available = new Set([...src.addons.filter((a) => a.installable).map((a) => a.name), ...(imageAddons ?? [])]);
  const uninstallable = new Set(src.addons.filter((a) => !a.installable).map((a) => a.name));
  const unmet = unmetDependencies(src, available, uninstallable, installed);
  const pip = new Set(src.pipAddons ?? []);
  const byPip = (line: string) => pip.has(line.split(' needs ')[1]!.split(' ')[0]!);
  const missing = unmet.missing.filter((m) => !byPip(m));
  const pipped = [...unmet.missing, ...unmet.rowOnly].filter(byPip);
  const rowOnly = unmet.rowOnly.filter((m) => !byPip(m));
  const where = [
    'the source',
    imageAddons ? `the image (${imageAddons.size} addons)` : null,
    installed ? `the database (${installed.size} installed)` : null,
  ]
    .filter(Boolean)
    .join(', ');
  if (missing.length > 0) {
    return {
      id,
      status: 'fail',
      message: `missing dependencies: ${missing.join('; ')} — found in none of ${where}. Odoo would skip these addons without an error.`,
      fix: 'add the missing addons to the source (or the image), or remove them from `depends`',
    };
  }
  if (pipped.length + rowOnly.length > 0) {
    const parts = [
      pipped.length
        ? `${pipped.join('; ')}: not in the source or the base image, pip-installed by the Dockerfile`
        : null,
      rowOnly.length
        ? `${rowOnly.join('; ')}: installed in the database, but its code is in neither the source nor the base image`
        : null,
    ].filter(Boolean);
    return {
      id,
      status: 'warn',
      message: `${parts.join('. ')}. The build checks the image it builds and refuses it if Odoo cannot load them.`,
      fix: 'add the addons to the source (or install them in the Dockerfile), or remove them from `depends`',
    };
  }
  if (!imageAddons)
    return {
      id,
      status: 'warn',
      message: `${src.addons.length} addon(s): dependencies resolve within ${where}; the image's own addons could not be listed`,
      fix: 'check that the base image exists on the server',
    };
  return { id, status: 'pass', message: `every dependency of ${src.addons.length} addon(s) resolves (${where})` };
}

/**
 * OCA queue_job: its job runner starts in every Odoo that loads it server-wide, and a cron runner
 * serves no HTTP. Flipdeck patches the command line rather than the project's odoo.conf: the cron
 * runner gets `--load` with queue_job and sends jobs through the edge; web workers get root:0.
 */
export function queueJobCheck(src: SourceFacts, imageAddons: Set<string> | null): PreflightCheck {
  const id = 'queue_job';
  const present = src.addons.some((a) => a.name === QUEUE_JOB) || !!imageAddons?.has(QUEUE_JOB);
  if (!present) return { id, status: 'pass', message: 'no queue_job in the source or the image: nothing to wire' };
  const conf = src.conf?.serverWideModules;
  const load = cronLoad(conf, true)!.join(',');
  const patched =
    conf && !conf.includes(QUEUE_JOB)
      ? ` (${src.confPath} leaves it out of server_wide_modules; the cron runner adds it)`
      : '';
  return {
    id,
    status: 'pass',
    message: `queue_job found: only the cron runner runs its job runner, with --load ${load}${patched}, sending jobs through the edge to the live pool; web workers run with ${WEB_WORKER_RUNNER_OFF}. The runner swaps with crons at the flip.`,
  };
}

/** Flipdeck runs workers with --proxy-mode and --db-filter ^DB$; a conf that fights that is worth a word. */
export function dbfilterCheck(src: SourceFacts | null, database: string, domains: string[]): PreflightCheck {
  const id = 'dbfilter';
  const conf = src?.conf;
  const pinned = `workers run with --db-filter ^${database}$ and --proxy-mode (the edge sets X-Forwarded-Host/-Proto)`;
  if (conf?.dbfilter && conf.dbfilter !== `^${database}$`) {
    return {
      id,
      status: 'warn',
      message: `${src!.confPath} sets dbfilter = ${conf.dbfilter}; Flipdeck's command line wins: ${pinned}`,
      fix: `remove dbfilter from ${src!.confPath}, or set it to ^${database}$`,
    };
  }
  if (conf?.proxyMode === false) {
    return {
      id,
      status: 'warn',
      message: `${src!.confPath} sets proxy_mode = False; Flipdeck turns it on, as Odoo behind a proxy needs`,
      fix: `remove proxy_mode from ${src!.confPath}`,
    };
  }
  return {
    id,
    status: 'pass',
    message: `${pinned}${domains.length ? `; every domain (${domains.join(', ')}) reaches database ${database}` : ''}`,
  };
}
