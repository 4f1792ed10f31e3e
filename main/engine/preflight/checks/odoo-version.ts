// Odoo version → memory floor. The major version comes from the environment when set, else the
// source: manifests' `version` (Odoo's "17.0.1.0.0" form), else the Dockerfile's base tag
// (`odoo:17`, `odoo:17.0-…`). Below the floor is a warning that needs an explicit override.
import type { PreflightCheck } from '../../../../shared/deploy';
import {
  MEMORY_FLOOR_MIB,
  memoryFloorMiB,
  OVERRIDE_PADDING_MIB as OVERRIDE_PAD_MIB,
} from '../../../../shared/odoo-memory';
import type { SourceFacts } from '../source-facts';

const MiB = 1024 ** 2;

export function detectOdooVersion(
  src: SourceFacts | null,
  configured?: string,
): { version: string | null; from: string } {
  if (configured) return { version: configured, from: 'the environment (odoo_version)' };
  if (!src) return { version: null, from: 'nothing (no local source to read)' };
  const majors = new Map<string, number>();
  for (const a of src.addons) {
    const m = /^(1[4-9])\.0\.\d+/.exec(a.version ?? '');
    if (m) majors.set(m[1]!, (majors.get(m[1]!) ?? 0) + 1);
  }
  const top = [...majors.entries()].sort((a, b) => b[1] - a[1])[0];
  if (top) return { version: `${top[0]}.0`, from: `the addons' manifests (${top[1]} say ${top[0]}.0)` };
  const tag = /(?:^|\/)odoo:(1[4-9])(?:\.0)?(?:$|[-.@])/.exec(src.baseImage ?? '');
  if (tag) return { version: `${tag[1]}.0`, from: `the Dockerfile's base image ${src.baseImage}` };
  return { version: null, from: 'nothing in the source (no versioned manifest, no odoo:NN base image)' };
}

/** Unknown version: assume the highest floor rather than the lowest. */
export function floorFor(version: string | null): number {
  return memoryFloorMiB(version) ?? Math.max(...Object.values(MEMORY_FLOOR_MIB));
}

export interface MemoryInputs {
  version: string | null;
  versionFrom: string;
  /** The container limit per worker, bytes (resources.memory); undefined when unlimited. */
  memoryLimit: number | undefined;
  /** The operator accepted running below the floor (the limit then already includes the pad). */
  override: boolean;
  conf: SourceFacts['conf'];
  /** The environment's server mode (--workers, which wins over odoo.conf): 0 threaded, N prefork. */
  workers: number;
}

/** Odoo's default limit_memory_hard (odoo/tools/config.py): 2560 MiB. */
export const ODOO_DEFAULT_LIMIT_MEMORY_HARD = 2560 * MiB;

export function memoryFloorCheck(i: MemoryInputs): PreflightCheck {
  const floor = floorFor(i.version);
  const id = 'odoo_memory';
  const named = i.version
    ? `Odoo ${i.version} (from ${i.versionFrom})`
    : `an unknown Odoo version (read from ${i.versionFrom}; the highest floor applies — set odoo_version)`;
  // Unlimited is not below the floor: say so without asking for a confirm on every deploy.
  if (i.memoryLimit === undefined) {
    return {
      id,
      status: 'pass',
      message: `${named}: floor ${floor} MiB per worker; no memory limit is set, so one runaway request can use the whole server (set resources.memory to cap it)`,
    };
  }
  const limitMiB = Math.round(i.memoryLimit / MiB);
  // In prefork, each HTTP worker and the gevent process may grow to limit_memory_hard before Odoo
  // recycles it; the container holds them all.
  const hard = i.conf?.limitMemoryHard ?? ODOO_DEFAULT_LIMIT_MEMORY_HARD;
  if (i.workers > 0 && (i.workers + 1) * hard > i.memoryLimit) {
    const needMiB = Math.ceil(((i.workers + 1) * hard) / MiB);
    return {
      id,
      status: 'warn',
      message: `prefork: ${i.workers} workers + the gevent process × limit_memory_hard ${Math.round(hard / MiB)} MiB = ${needMiB} MiB, above the container's ${limitMiB} MiB: the kernel kills the container before Odoo recycles a worker`,
      fix: `raise resources.memory to ${needMiB} MiB, or lower workers (the environment's) / limit_memory_hard (odoo.conf)`,
    };
  }
  if (limitMiB < floor) {
    if (i.override)
      return {
        id,
        status: 'warn',
        message: `${named}: ${limitMiB} MiB per worker is below the ${floor} MiB floor; you chose to override it (padded by ${OVERRIDE_PAD_MIB} MiB)`,
      };
    return {
      id,
      status: 'warn',
      message: `${named}: ${limitMiB} MiB per worker is below the ${floor} MiB floor; workers will be killed under load`,
      fix: `raise resources.memory to ${floor} MiB, or set resources.memory_override: true (Flipdeck then adds ${OVERRIDE_PAD_MIB} MiB)`,
    };
  }
  return { id, status: 'pass', message: `${named}: ${limitMiB} MiB per worker, above its ${floor} MiB floor` };
}

/** Blue-green runs both pools at once: the server must hold green beside blue. */
export function memoryRoomCheck(o: {
  availableBytes: number | null;
  replicas: number;
  memoryLimit: number | undefined;
  floorMiB: number;
  liveRunning: boolean;
}): PreflightCheck {
  const id = 'memory_room';
  if (o.availableBytes === null)
    return {
      id,
      status: 'warn',
      message: "could not read the server's free memory",
      fix: 'check `free -m` on the server',
    };
  const perWorker = o.memoryLimit ?? o.floorMiB * MiB;
  const need = o.replicas * perWorker;
  const fmt = (b: number) => `${Math.round(b / MiB)} MiB`;
  const what = `${o.replicas} new worker(s) × ${fmt(perWorker)}${o.memoryLimit === undefined ? ' (the Odoo floor: no limit is set)' : ''} = ${fmt(need)}`;
  if (o.availableBytes < need) {
    return {
      id,
      status: 'fail',
      message: `the server has ${fmt(o.availableBytes)} available but the new pool needs ${what}${o.liveRunning ? ' beside the live one' : ''}: ${fmt(need - o.availableBytes)} missing`,
      fix: 'free memory on the server, lower replicas or resources.memory, or use the rolling strategy',
    };
  }
  return {
    id,
    status: 'pass',
    message: `${fmt(o.availableBytes)} available on the server; the new pool needs ${what}`,
  };
}
