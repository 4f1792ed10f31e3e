// Read and adjust a running environment: status (from the server, never from memory), pre-flight
// checks, live resources and logs. Shared by the CLI and the app.
import type { EnvironmentStatus, Pool, PoolResources, PreflightCheck } from '../../shared/deploy';
import { FlipdeckError } from '../../shared/errors';
import { parseBytes } from '../../shared/units';
import { memoryFloorMiB } from '../../shared/odoo-memory';
import { DeployLock, lockVerdict, thisProcess } from '../engine/deploy/lock';
import { EdgeOps } from '../engine/deploy/edge-ops';
import { PoolOps } from '../engine/deploy/pool-ops';
import { followWorkerLogs } from './log-follow';
import { StateStore } from '../engine/state/state-store';
import { keptBackup } from '../engine/state/server-state';
import { statsFrom } from '../remote/docker-client';
import type { Deployments, Target } from './deployments';

export type StatusJson = EnvironmentStatus;

export async function environmentStatus(t: Target, opts: { history?: boolean } = {}): Promise<StatusJson> {
  const name = t.environment.name;
  const pools = new PoolOps(t.link.docker, name, async () => undefined);
  const edge = new EdgeOps(t.link, name, t.environment.replicas, async () => undefined);
  const state = await new StateStore(t.link.docker, name).read();
  const edgeInfo = await edge.inspect();
  let live = state.live;
  let health: Record<string, string> = {};
  if (edgeInfo?.State.Running) {
    const stats = await edge.admin.stats().catch(() => null);
    if (stats) {
      live = (await edge.admin.livePool().catch(() => null)) ?? live;
      health = Object.fromEntries(stats.filter((s) => s.backend === 'odoo').map((s) => [s.server, s.status]));
    }
  }
  const workers = (await pools.workers()).map((w) => {
    const slot = `${w.pool}-${w.name.split('-').pop()}`;
    return { name: w.name, pool: w.pool, ready: w.running && /^(UP|DRAIN)/.test(health[slot] ?? ''), image: w.image };
  });
  const lock = await new DeployLock(t.link.docker, name, t.environment.edge_image).read();
  const backup = keptBackup(state);
  const kept = state.kept && Date.parse(state.kept.until) > Date.now()
    ? { pool: state.kept.pool, until: state.kept.until, ...(state.migratedSinceKept ? { migrated: true, ...(backup ? { backup } : {}) } : {}) }
    : null;
  const liveLock = lock && lockVerdict(lock, Date.now(), thisProcess()).live ? { holder: lock.holder, since: lock.since } : null;
  const base = { live, workers, kept, lock: liveLock };
  if (!opts.history) return base;
  const history = state.history.slice(0, 20).map((h) => ({ deployId: h.deployId, kind: h.kind, by: h.by, at: h.at, image: h.image, outcome: h.outcome, ...(h.ref ? { ref: h.ref } : {}), ...(h.failedStep ? { failedStep: h.failedStep } : {}) }));
  // The keep window is over but the kept pool still runs: the app removes it (there is no agent).
  const reapDue = !!state.kept && Date.parse(state.kept.until) <= Date.now() && !liveLock;
  return { ...base, history, ...(reapDue ? { reapDue } : {}) };
}

export type { PreflightCheck };

export async function basicPreflight(t: Target): Promise<PreflightCheck[]> {
  const checks: PreflightCheck[] = [];
  const name = t.environment.name;
  checks.push({ id: 'ssh', status: 'pass', message: t.server.kind === 'local' ? 'this computer (no SSH)' : `SSH to ${t.server.user}@${t.server.host}:${t.server.port} works, host key pinned` });
  const v = await t.link.docker.version();
  checks.push(Number(v.ApiVersion) >= 1.41
    ? { id: 'docker_version', status: 'pass', message: `Docker ${v.Version} (API ${v.ApiVersion})` }
    : { id: 'docker_version', status: 'fail', message: `Docker ${v.Version} (API ${v.ApiVersion}) is too old`, fix: 'upgrade Docker Engine to 20.10 or newer' });
  const info = await t.link.docker.info() as { DockerRootDir?: string };
  const free = info.DockerRootDir ? await t.freeBytes(info.DockerRootDir).catch(() => null) : null;
  checks.push(diskCheck(info.DockerRootDir ?? '?', free));
  const edge = new EdgeOps(t.link, name, t.environment.replicas, async () => undefined);
  const edgeInfo = await edge.inspect();
  if (!edgeInfo) {
    checks.push({ id: 'edge', status: 'pass', message: 'no edge yet: the first deploy creates it' });
    if (t.environment.public_bind) {
      const clash = (await t.link.docker.listContainers()).find((c) => c.Ports.some((p) => p.PublicPort === Number(t.environment.public_bind!.split(':')[1])));
      checks.push(clash
        ? { id: 'port', status: 'fail', message: `${t.environment.public_bind} is already published by ${clash.Names[0]?.slice(1)}`, fix: 'choose another public_bind, or stop that container' }
        : { id: 'port', status: 'pass', message: `${t.environment.public_bind} is free for the edge` });
    }
  } else {
    const ok = edgeInfo.State.Running && (await edge.admin.run(['show info']).then(() => true, () => false));
    checks.push(ok ? { id: 'edge', status: 'pass', message: 'the edge is running and its admin socket answers' } : { id: 'edge', status: 'fail', message: 'the edge exists but does not answer', fix: 'check `docker logs` of the edge container' });
    checks.push({ id: 'port', status: 'pass', message: `${t.environment.public_bind ?? 'the port'} belongs to this environment's edge` });
  }
  const lock = await new DeployLock(t.link.docker, name, t.environment.edge_image).read();
  checks.push(!lock
    ? { id: 'lock', status: 'pass', message: 'no deploy in progress' }
    : lockVerdict(lock, Date.now(), thisProcess()).live
      ? { id: 'lock', status: 'fail', message: `${lock.holder} is deploying (since ${lock.since})`, fix: 'wait, or `flipdeck unlock` if that deploy is dead' }
      : { id: 'lock', status: 'warn', message: `a stale lock of ${lock.holder} will be taken over` });
  return checks;
}

const GiB = 1024 ** 3;

/** A build and a second pool need room: under 1 GiB free fails, under 5 GiB warns. */
export function diskCheck(root: string, freeBytes: number | null, failBelow = GiB, warnBelow = 5 * GiB): PreflightCheck {
  if (freeBytes === null) return { id: 'disk', status: 'warn', message: `could not read the free space under ${root}`, fix: 'check `df -h` on the server' };
  const gib = (freeBytes / GiB).toFixed(1);
  if (freeBytes < failBelow) return { id: 'disk', status: 'fail', message: `only ${gib} GiB free under ${root}: the build and the new pool need room`, fix: 'free space (e.g. `docker system prune` of unused images) or grow the disk' };
  if (freeBytes < warnBelow) return { id: 'disk', status: 'warn', message: `${gib} GiB free under ${root}: enough for now, tight for the next builds`, fix: 'plan to free space or grow the disk' };
  return { id: 'disk', status: 'pass', message: `${gib} GiB free under ${root}` };
}

export interface ResourceChange {
  pool: Pool;
  memory?: string;
  memorySwap?: string;
  cpus?: number;
}

/** `docker update` on a running pool (no restart), refused below current usage plus a margin. */
export async function updateResources(deployments: Deployments, ref: string, change: ResourceChange, margin = 32 * 1024 ** 2) {
  const t = await deployments.target(ref);
  const audit = deployments.auditSink(t.server, t.environment.name);
  const memory = change.memory !== undefined ? parseBytes(change.memory) : undefined;
  const askedSwap = change.memorySwap !== undefined ? parseBytes(change.memorySwap) : undefined;
  if (memory !== undefined && askedSwap !== undefined && askedSwap < memory) throw new FlipdeckError('bad_input', '--memory-swap counts memory plus swap, so it cannot be below --memory');
  const workers = (await new PoolOps(t.link.docker, t.environment.name, audit).workers(change.pool)).filter((w) => w.running);
  if (workers.length === 0) throw new FlipdeckError('refused', `the ${change.pool} pool of ${ref} has no running worker`);
  const changed = [];
  for (const w of workers) {
    const c = t.link.docker.getContainer(w.id);
    const before = await c.inspect();
    if (memory !== undefined) {
      const usage = statsFrom(await c.stats({ stream: false }) as never).memoryBytes;
      if (memory < usage + margin) throw new FlipdeckError('refused', `${w.name} uses ${Math.round(usage / 1024 ** 2)} MiB: a ${Math.round(memory / 1024 ** 2)} MiB limit would get it killed`, { fix: `give at least ${Math.ceil((usage + margin) / 1024 ** 2)} MiB` });
    }
    // Swap kept consistent: memory and swap change together, keeping the swap the container had.
    const oldSwapExtra = before.HostConfig.MemorySwap && before.HostConfig.Memory && before.HostConfig.MemorySwap > before.HostConfig.Memory ? before.HostConfig.MemorySwap - before.HostConfig.Memory : 0;
    const swap = askedSwap ?? (memory !== undefined ? memory + oldSwapExtra : undefined);
    const update = { ...(memory !== undefined ? { Memory: memory, MemorySwap: swap } : {}), ...(change.cpus !== undefined ? { NanoCpus: Math.round(change.cpus * 1e9) } : {}) };
    const old = { Memory: before.HostConfig.Memory, MemorySwap: before.HostConfig.MemorySwap, NanoCpus: before.HostConfig.NanoCpus };
    const started = Date.now();
    // Raising memory above the current swap limit needs swap first; lowering needs memory first.
    await c.update(update);
    await audit({ action: 'resources.update', argv: ['docker', 'update', ...(memory !== undefined ? ['--memory', String(memory), '--memory-swap', String(swap)] : []), ...(change.cpus !== undefined ? ['--cpus', String(change.cpus)] : []), w.name], ok: true, exitCode: 0, durationMs: Date.now() - started, detail: { old, new: update } });
    changed.push({ name: w.name, old, new: update, startedAt: before.State.StartedAt });
  }
  // Kept for the next deploy: the new pool starts with what the running one was given.
  const savedSwap = (changed[0]?.new as { MemorySwap?: number } | undefined)?.MemorySwap;
  await deployments.saveResources(t, { ...(memory !== undefined ? { memory, memory_swap: savedSwap ?? memory } : {}), ...(change.cpus !== undefined ? { cpus: change.cpus } : {}) });
  return changed;
}

/** Follows the logs of a pool's workers, each line labelled with its worker, until the signal aborts. */
export async function followLogs(t: Target, pool: Pool | undefined, follow: boolean, onLine: (line: string) => void, signal?: AbortSignal): Promise<void> {
  await followWorkerLogs(t.link.docker, { env: t.environment.name, ...(pool ? { pool } : {}), tail: follow ? 50 : 200, follow }, (worker, text) => onLine(`${worker} | ${text}`), signal);
}

/** What the sliders show: each running worker's usage and limits, and the Odoo memory floor. */
export async function poolResources(t: Target, pool: Pool): Promise<PoolResources> {
  const workers = (await new PoolOps(t.link.docker, t.environment.name, async () => undefined).workers(pool)).filter((w) => w.running);
  const out = await Promise.all(workers.map(async (w) => {
    const c = t.link.docker.getContainer(w.id);
    const [info, stats] = await Promise.all([c.inspect(), c.stats({ stream: false }) as Promise<never>]);
    return { name: w.name, memoryBytes: statsFrom(stats).memoryBytes, memoryLimit: info.HostConfig.Memory ?? 0, memorySwap: info.HostConfig.MemorySwap ?? 0, nanoCpus: info.HostConfig.NanoCpus ?? 0 };
  }));
  const version = t.environment.odoo_version ?? null;
  return { floorMiB: memoryFloorMiB(version), odooVersion: version, workers: out };
}
