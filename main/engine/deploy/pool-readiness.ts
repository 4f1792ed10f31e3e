// green_ready for every strategy: the target pool (or one slot of it, rolling) answers Odoo's
// readiness probe, and then the edge's own health check sees it UP. A worker that dies while we
// wait fails the step at once, with its last log lines, instead of waiting for the timeout.
import type { Pool } from '../../../shared/deploy';
import { envNames } from '../core/names';
import { odooWorkerProbe } from '../odoo/worker-probe';
import { waitUntilReady } from '../odoo/readiness';
import { waitEdgeUp } from './edge-readiness';
import type { WorkerInfo } from './pool-ops';
import type { DeployRun } from './run';
import { StepFailure } from './step-failure';

export interface ReadyOptions {
  /** Only this slot of the pool (rolling brings workers in one at a time). */
  slot?: number;
  /** Asked once the workers are listed: true means they are known ready and probing is skipped. */
  alreadyUp?(workers: WorkerInfo[]): Promise<boolean>;
}

/** Waits for the target pool (or one slot of it) to answer, then for the edge to see it UP. */
export async function waitReady(run: DeployRun, signal: AbortSignal, o: ReadyOptions = {}): Promise<void> {
  const pool = run.plan.target;
  const e = run.o.env;
  const host = e.domains[0] ?? 'localhost';
  const only = o.slot === undefined ? null : envNames(e.name).worker(pool, o.slot);
  const workers = (await run.pools.workers(pool)).filter((w) => only === null || w.name === only);
  if (workers.length === 0) throw new StepFailure({ kind: 'error', message: `no ${pool} workers exist` });
  if (o.alreadyUp && (await o.alreadyUp(workers))) return;
  const probes = workers.map((w) =>
    odooWorkerProbe({ worker: w.name, hostHeader: host, open: () => openWorker(run, w, e.http_port) }),
  );
  const ctrl = new AbortController();
  signal.addEventListener('abort', () => ctrl.abort(), { once: true });
  const died = watchForDeath(run, pool, ctrl.signal);
  const ready = waitUntilReady(
    probes,
    { ...run.o.timing.readiness, timeoutMs: e.ready_timeout },
    run.clock,
    (r) => run.o.emit({ kind: 'probe', deploy: run.o.deployId, result: r }),
    ctrl.signal,
  );
  const outcome = await Promise.race([ready, died]);
  ctrl.abort();
  if (outcome && 'dead' in outcome) {
    const w = outcome.worker;
    throw new StepFailure({
      kind: 'command',
      argv: ['docker', 'start', w.name],
      exitCode: w.exitCode,
      stderr: `${w.name} crashed (exit code ${w.exitCode}) while starting:\n${await run.pools.tail(w.name)}`,
    });
  }
  if (!outcome.ready)
    throw new StepFailure({ kind: 'timeout', waitedMs: outcome.waitedMs, lastProbes: outcome.lastProbes });
  await waitEdgeUp(run.edge.admin, run.clock, {
    env: e.name,
    pool,
    checkIntervalMs: run.o.timing.edge.checkIntervalMs,
    ...(o.slot !== undefined ? { slot: o.slot } : {}),
  });
}

async function openWorker(run: DeployRun, w: WorkerInfo, port: number) {
  // A worker just started may have no address yet: look it up again, once per connection attempt.
  const fresh = w.ip ? w : (await run.pools.workers(w.pool)).find((x) => x.name === w.name);
  if (!fresh?.ip) throw Object.assign(new Error(`${w.name} has no address yet`), { code: 'ENOADDR' });
  w.ip = fresh.ip;
  return run.o.link.forwardTcp(fresh.ip, port);
}

async function watchForDeath(
  run: DeployRun,
  pool: Pool,
  signal: AbortSignal,
): Promise<{ dead: true; worker: WorkerInfo } | never> {
  while (!signal.aborted) {
    await run.clock.sleep(Math.max(200, run.o.timing.readiness.intervalMs), signal);
    if (signal.aborted) break;
    const dead = (await run.pools.workers(pool).catch(() => [])).find((w) => w.crashed);
    if (dead) return { dead: true, worker: dead };
  }
  return new Promise(() => undefined);
}
