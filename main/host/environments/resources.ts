// Live resources of a running pool: what the sliders show, and `docker update` without a restart,
// refused below what a worker uses now. Saved for the next deploy.
import type { Pool, PoolResources } from '../../../shared/deploy';
import { FlipdeckError } from '../../../shared/errors';
import { parseBytes } from '../../../shared/units';
import { cpusProblem, memoryProblem, RESOURCE_RANGES } from '../../../shared/environment';
import { memoryFloorMiB } from '../../../shared/odoo-memory';
import { PoolOps } from '../../engine/deploy/pool-ops';
import { statsFrom } from '../../remote/docker-client';
import type { Deployments, Target } from '../deploys/deployments';

export interface ResourceChange {
  pool: Pool;
  memory?: string;
  memorySwap?: string;
  cpus?: number;
}

/** A size within what Docker accepts, or a bad_input error naming the key and the range. */
function checkedBytes(text: string, key: 'memory' | 'memory_swap'): number {
  let bytes: number;
  try {
    bytes = parseBytes(text);
  } catch (err) {
    throw new FlipdeckError('bad_input', `${key}: ${(err as Error).message} (allowed: ${RESOURCE_RANGES[key].text})`);
  }
  const problem = memoryProblem(bytes, key);
  if (problem) throw new FlipdeckError('bad_input', `${key} ${problem}`);
  return bytes;
}

/** `docker update` on a running pool (no restart), refused below current usage plus a margin. */
export async function updateResources(
  deployments: Deployments,
  ref: string,
  change: ResourceChange,
  margin = 32 * 1024 ** 2,
) {
  const memory = change.memory !== undefined ? checkedBytes(change.memory, 'memory') : undefined;
  const askedSwap = change.memorySwap !== undefined ? checkedBytes(change.memorySwap, 'memory_swap') : undefined;
  const cpuProblem = change.cpus !== undefined ? cpusProblem(change.cpus) : null;
  if (cpuProblem) throw new FlipdeckError('bad_input', `cpus ${cpuProblem}`);
  const t = await deployments.target(ref);
  const audit = deployments.auditSink(t.server, t.environment.name);
  if (memory !== undefined && askedSwap !== undefined && askedSwap < memory)
    throw new FlipdeckError('bad_input', '--memory-swap counts memory plus swap, so it cannot be below --memory');
  const workers = (await new PoolOps(t.link.docker, t.environment.name, audit).workers(change.pool)).filter(
    (w) => w.running,
  );
  if (workers.length === 0)
    throw new FlipdeckError('refused', `the ${change.pool} pool of ${ref} has no running worker`);
  const changed = [];
  for (const w of workers) {
    const c = t.link.docker.getContainer(w.id);
    const before = await c.inspect();
    if (memory !== undefined) {
      const usage = statsFrom((await c.stats({ stream: false })) as never).memoryBytes;
      if (memory < usage + margin)
        throw new FlipdeckError(
          'refused',
          `${w.name} uses ${Math.round(usage / 1024 ** 2)} MiB: a ${Math.round(memory / 1024 ** 2)} MiB limit would get it killed`,
          { fix: `give at least ${Math.ceil((usage + margin) / 1024 ** 2)} MiB` },
        );
    }
    // Swap kept consistent: memory and swap change together, keeping the swap the container had.
    const oldSwapExtra =
      before.HostConfig.MemorySwap &&
      before.HostConfig.Memory &&
      before.HostConfig.MemorySwap > before.HostConfig.Memory
        ? before.HostConfig.MemorySwap - before.HostConfig.Memory
        : 0;
    const swap = askedSwap ?? (memory !== undefined ? memory + oldSwapExtra : undefined);
    const update = {
      ...(memory !== undefined ? { Memory: memory, MemorySwap: swap } : {}),
      ...(change.cpus !== undefined ? { NanoCpus: Math.round(change.cpus * 1e9) } : {}),
    };
    const old = {
      Memory: before.HostConfig.Memory,
      MemorySwap: before.HostConfig.MemorySwap,
      NanoCpus: before.HostConfig.NanoCpus,
    };
    const started = Date.now();
    // Raising memory above the current swap limit needs swap first; lowering needs memory first.
    await c.update(update);
    await audit({
      action: 'resources.update',
      argv: [
        'docker',
        'update',
        ...(memory !== undefined ? ['--memory', String(memory), '--memory-swap', String(swap)] : []),
        ...(change.cpus !== undefined ? ['--cpus', String(change.cpus)] : []),
        w.name,
      ],
      ok: true,
      exitCode: 0,
      durationMs: Date.now() - started,
      detail: { old, new: update },
    });
    changed.push({ name: w.name, old, new: update, startedAt: before.State.StartedAt });
  }
  // Kept for the next deploy: the new pool starts with what the running one was given.
  const savedSwap = (changed[0]?.new as { MemorySwap?: number } | undefined)?.MemorySwap;
  await deployments.saveResources(t, {
    ...(memory !== undefined ? { memory, memory_swap: savedSwap ?? memory } : {}),
    ...(change.cpus !== undefined ? { cpus: change.cpus } : {}),
  });
  return changed;
}

/** What the sliders show: each running worker's usage and limits, and the Odoo memory floor. */
export async function poolResources(t: Target, pool: Pool): Promise<PoolResources> {
  const workers = (await new PoolOps(t.link.docker, t.environment.name, async () => undefined).workers(pool)).filter(
    (w) => w.running,
  );
  const out = await Promise.all(
    workers.map(async (w) => {
      const c = t.link.docker.getContainer(w.id);
      const [info, stats] = await Promise.all([c.inspect(), c.stats({ stream: false }) as Promise<never>]);
      return {
        name: w.name,
        memoryBytes: statsFrom(stats).memoryBytes,
        memoryLimit: info.HostConfig.Memory ?? 0,
        memorySwap: info.HostConfig.MemorySwap ?? 0,
        nanoCpus: info.HostConfig.NanoCpus ?? 0,
      };
    }),
  );
  const version = t.environment.odoo_version ?? null;
  return { floorMiB: memoryFloorMiB(version), odooVersion: version, workers: out };
}
