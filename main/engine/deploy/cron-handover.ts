// The cron runner handed over between jobs (flip, rollback): the fence (odoo/cron-fence.ts) holds
// every idle job and waits for the running ones, then the old runner stops, the fence goes, and the
// new runner starts. A job still running when the wait ends is stopped with its runner (its
// transaction rolls back and the new runner runs it again) — said in the log, never silent.
import type Docker from 'dockerode';
import type { Pool } from '../../../shared/deploy';
import { CRON_FENCE_PY, parseFence, type FenceReport } from '../odoo/cron-fence';
import { parseMarks } from '../odoo/asset-bundles';
import type { WorkerContext } from '../odoo/container-specs';
import type { Clock } from '../core/clock';
import { demux } from '../docker/logs';
import type { PoolOps } from './pool-ops';
import { StepFailure } from './step-failure';

export interface HandoverDeps {
  pools: PoolOps;
  clock: Clock;
  log(line: string): void;
  /** Whether the old pool's cron runner is running at all (nothing to fence otherwise). */
  oldRunning: boolean;
  /** The attachment sequence mark: the fence also counts the bundles generated since (saves a one-off). */
  attachmentMark?: number | null;
}

export interface HandoverReport {
  fence: FenceReport | null;
  /** Bundles generated since the mark; null when not counted. */
  bundles: number | null;
}

/** How long the fence waits for running jobs: the environment's drain_timeout, at least 30 s. */
export const cronWaitMs = (drainTimeoutMs: number) => Math.max(drainTimeoutMs, 30_000);

export async function handOverBetweenJobs(
  d: HandoverDeps,
  ctx: WorkerContext,
  from: Pool,
  to: Pool,
  graceSeconds: number,
): Promise<HandoverReport> {
  let report: FenceReport | null = null;
  let bundles: number | null = null;
  if (d.oldRunning) {
    const waitMs = cronWaitMs(ctx.env.drain_timeout);
    const holdSeconds = Math.ceil(waitMs / 1000) + 120;
    const fence = await d.pools.startOneOff(ctx, 'cronfence', [
      'python3',
      '-c',
      CRON_FENCE_PY,
      ctx.db.name,
      String(waitMs / 1000),
      String(holdSeconds),
      d.attachmentMark === null || d.attachmentMark === undefined ? '-' : String(d.attachmentMark),
    ]);
    try {
      const seen = await waitForFence(d, fence, waitMs + 30_000);
      report = seen.report;
      const marks = parseMarks(seen.output);
      if (d.attachmentMark != null && marks.mark !== null && marks.other !== null)
        bundles = Math.max(0, marks.mark - d.attachmentMark - marks.other);
      const names = report.running.map((j) => `${j.name} (${j.id})`).join(', ');
      if (report.state === 'fenced')
        d.log(
          report.running.length
            ? `cron runner handed over between jobs: waited ${(report.waitedMs / 1000).toFixed(1)} s for ${names}`
            : 'cron runner handed over between jobs: none was running',
        );
      else
        d.log(
          `cron jobs still running after ${(report.waitedMs / 1000).toFixed(1)} s: ${names} — stopped with the ${from} runner (their transactions roll back; the ${to} runner runs them again)`,
        );
      await d.pools.stopCron(from, graceSeconds);
    } finally {
      // Removing the fence closes its connection: PostgreSQL releases the rows for the new runner.
      await fence.remove({ force: true }).catch(() => undefined);
    }
  } else {
    await d.pools.stopCron(from, graceSeconds);
  }
  await d.pools.startCron(ctx, to);
  return { fence: report, bundles };
}

async function waitForFence(
  d: HandoverDeps,
  fence: Docker.Container,
  limitMs: number,
): Promise<{ report: FenceReport; output: string }> {
  const started = d.clock.now();
  for (;;) {
    const buf = (await fence.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    const output = demux(buf);
    const report = parseFence(output);
    if (report.state !== 'waiting') return { report, output };
    const info = await fence.inspect();
    if (!info.State.Running)
      throw new StepFailure({
        kind: 'command',
        argv: ['python3', '-c', '<cron fence>'],
        exitCode: info.State.ExitCode,
        stderr: `the cron fence ended before it held the jobs:\n${output.split('\n').slice(-15).join('\n')}`,
      });
    if (d.clock.now() - started > limitMs)
      throw new StepFailure({ kind: 'error', message: `the cron fence gave no answer within ${limitMs / 1000} s` });
    await d.clock.sleep(250);
  }
}
