// The Docker side of an environment: network, volumes, pools of workers, the cron runner.
// Every call is audited; nothing here decides *when* — the orchestrator does.
import type Docker from 'dockerode';
import type { Pool } from '../../../shared/deploy';
import { FlipdeckError } from '../../../shared/errors';
import { LABEL, envNames } from '../core/names';
import { cronSpec, workerSpec, type CreateSpec, type WorkerContext } from '../odoo/container-specs';
import { createWithFiles, isDockerStatus } from '../docker/archive';
import { forceRemove, startIfStopped, waitExit } from '../docker/containers';
import { demux } from '../docker/logs';
import { cronLoadOf } from '../odoo/queue-job';
import { audited, retryTransient, shortScript, type AuditSink } from '../core/server-link';

export interface WorkerInfo {
  name: string;
  id: string;
  pool: Pool;
  image: string;
  ip: string | null;
  running: boolean;
  /** Exited or restarted since it was started: a crash, even when the restart policy brought it back. */
  crashed: boolean;
  exitCode: number | null;
  startedAt: string;
  deployId: string;
  /** Odoo's `workers` it runs with; null for a worker started before Flipdeck passed it (the stock conf: 0). */
  workers: number | null;
}

export class PoolOps {
  readonly names;

  constructor(
    private readonly docker: Docker,
    private readonly env: string,
    private readonly audit: AuditSink,
  ) {
    this.names = envNames(env);
  }

  async ensureNetwork(): Promise<void> {
    const existing = await this.docker.listNetworks({ filters: { name: [this.names.network] } });
    if (existing.some((n) => n.Name === this.names.network)) return;
    await audited(
      this.audit,
      'docker.network.create',
      ['docker', 'network', 'create', this.names.network],
      async (attempt) => {
        if (
          attempt > 1 &&
          (await this.docker.listNetworks({ filters: { name: [this.names.network] } })).some(
            (n) => n.Name === this.names.network,
          )
        )
          return;
        await this.docker.createNetwork({
          Name: this.names.network,
          Driver: 'bridge',
          CheckDuplicate: true,
          Labels: { [LABEL.managed]: 'true', [LABEL.environment]: this.env },
        });
      },
    );
  }

  async ensureVolume(name: string): Promise<void> {
    try {
      await this.docker.getVolume(name).inspect();
    } catch (err) {
      if (!isDockerStatus(err, 404)) throw err;
      await audited(this.audit, 'docker.volume.create', ['docker', 'volume', 'create', name], () =>
        this.docker.createVolume({ Name: name, Labels: { [LABEL.managed]: 'true', [LABEL.environment]: this.env } }),
      );
    }
  }

  /** Containers of this environment, by role and pool. */
  async containers(filter: { role?: string; pool?: Pool } = {}): Promise<Docker.ContainerInfo[]> {
    const labels = [`${LABEL.environment}=${this.env}`];
    if (filter.role) labels.push(`${LABEL.role}=${filter.role}`);
    if (filter.pool) labels.push(`${LABEL.pool}=${filter.pool}`);
    return retryTransient(() => this.docker.listContainers({ all: true, filters: { label: labels } }));
  }

  async workers(pool?: Pool): Promise<WorkerInfo[]> {
    const list = await this.containers({ role: 'web', ...(pool ? { pool } : {}) });
    const out: WorkerInfo[] = [];
    for (const c of list) {
      // Gone since the listing (404) is skipped; a dropped link is retried, never read as "no worker".
      const info = await retryTransient(() => this.docker.getContainer(c.Id).inspect()).catch((err: unknown) => {
        if (isDockerStatus(err, 404)) return null;
        throw err;
      });
      if (!info) continue;
      const l = info.Config.Labels ?? {};
      out.push({
        name: info.Name.replace(/^\//, ''),
        id: info.Id,
        pool: l[LABEL.pool] === 'green' ? 'green' : 'blue',
        image: l[LABEL.image] ?? info.Config.Image,
        ip: info.NetworkSettings.Networks[this.names.network]?.IPAddress || null,
        running: info.State.Running && !info.State.Restarting,
        crashed: !info.State.Running || info.State.Restarting || info.RestartCount > 0,
        exitCode: info.State.Running && !info.State.Restarting && info.RestartCount === 0 ? null : info.State.ExitCode,
        startedAt: info.State.StartedAt,
        deployId: l[LABEL.deploy] ?? '',
        workers: l[LABEL.workers] !== undefined && /^\d+$/.test(l[LABEL.workers]!) ? Number(l[LABEL.workers]) : null,
      });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  private async createAndStart(spec: CreateSpec): Promise<void> {
    const argv = ['docker', 'run', '-d', '--name', spec.name, spec.Image ?? '', ...(spec.Cmd ?? []).map(shortScript)];
    await audited(this.audit, 'docker.container.run', argv, async (attempt) => {
      // A lost reply may hide a create that happened: clear the name before trying again.
      if (attempt > 1) await forceRemove(this.docker, spec.name);
      const c = await createWithFiles(this.docker, spec);
      await c.start();
    });
  }

  /** Removes whatever a failed earlier attempt left under the pool's names, then starts `slots` of it (all by default). */
  async startPool(ctx: WorkerContext, pool: Pool, slots = ctx.env.replicas): Promise<void> {
    await this.removePool(pool, { keepCron: false });
    for (let i = 1; i <= slots; i++) await this.startWorker(ctx, pool, i);
  }

  async startWorker(ctx: WorkerContext, pool: Pool, index: number): Promise<void> {
    await this.createAndStart(workerSpec(ctx, pool, index));
  }

  /** Stops (keeps) a pool's web workers gracefully: the restart strategy's old pool, until the new one is live. */
  async stopPool(pool: Pool, graceSeconds: number): Promise<void> {
    for (const c of await this.containers({ role: 'web', pool })) {
      const name = c.Names[0]?.replace(/^\//, '') ?? c.Id;
      await audited(this.audit, 'docker.container.stop', ['docker', 'stop', '-t', String(graceSeconds), name], () =>
        this.docker
          .getContainer(c.Id)
          .stop({ t: graceSeconds })
          .catch((err: unknown) => {
            if (!isDockerStatus(err, 304)) throw err;
          }),
      );
    }
  }

  /** Starts a stopped pool's web workers again (the restart strategy's way back after a failure). */
  async restartStopped(pool: Pool): Promise<void> {
    for (const c of await this.containers({ role: 'web', pool })) {
      const name = c.Names[0]?.replace(/^\//, '') ?? c.Id;
      await audited(this.audit, 'docker.container.start', ['docker', 'start', name], () =>
        startIfStopped(this.docker, c.Id),
      );
    }
  }

  /** Removes one web worker (rolling: the old slot once drained). */
  async removeWorker(pool: Pool, index: number): Promise<void> {
    const name = this.names.worker(pool, index);
    await audited(this.audit, 'docker.container.remove', ['docker', 'rm', '-f', name], () =>
      forceRemove(this.docker, name),
    );
  }

  /**
   * Removes a pool's web workers (and its cron runner unless kept). Never touches the other pool.
   * `graceSeconds`: stop each first (SIGTERM), so what still runs there (a queue_job job) can finish.
   */
  async removePool(pool: Pool, opts: { keepCron: boolean; graceSeconds?: number }): Promise<void> {
    const list = await this.containers({ pool });
    for (const c of list) {
      if (opts.keepCron && c.Labels[LABEL.role] === 'cron') continue;
      const name = c.Names[0]?.replace(/^\//, '') ?? c.Id;
      if (opts.graceSeconds !== undefined && c.State === 'running') {
        await audited(
          this.audit,
          'docker.container.stop',
          ['docker', 'stop', '-t', String(opts.graceSeconds), name],
          () => this.docker.getContainer(c.Id).stop({ t: opts.graceSeconds }),
        ).catch((err: unknown) => {
          if (!isDockerStatus(err, 304) && !isDockerStatus(err, 404)) throw err;
        });
      }
      await audited(this.audit, 'docker.container.remove', ['docker', 'rm', '-f', name], () =>
        forceRemove(this.docker, c.Id),
      );
    }
  }

  /** Gracefully stops a pool's cron runner: SIGTERM, then a bounded wait for running jobs. */
  async stopCron(pool: Pool, graceSeconds: number): Promise<void> {
    const name = this.names.cron(pool);
    try {
      await audited(this.audit, 'cron.stop', ['docker', 'stop', '-t', String(graceSeconds), name], () =>
        this.docker.getContainer(name).stop({ t: graceSeconds }),
      );
    } catch (err) {
      // Already stopped (304) or never created (404): nothing runs crons from that pool, which is the goal.
      if (!isDockerStatus(err, 304) && !isDockerStatus(err, 404)) throw err;
    }
  }

  /** Whether a pool's cron runner container is running. */
  async cronRunning(pool: Pool): Promise<boolean> {
    const info = await this.docker
      .getContainer(this.names.cron(pool))
      .inspect()
      .catch(() => null);
    return info?.State.Running === true;
  }

  /** Starts a pool's cron runner (recreating it from the pool's image). Call only after stopCron of the other pool. */
  async startCron(ctx: WorkerContext, pool: Pool): Promise<void> {
    const spec = cronSpec(ctx, pool, await cronLoadOf(this.docker, this.audit, ctx.image));
    const existing = await this.docker
      .getContainer(spec.name)
      .inspect()
      .catch(() => null);
    // Reused only when it would be created the same (a runner made before queue_job was wired is recreated).
    if (
      existing &&
      existing.Config.Image === ctx.image &&
      JSON.stringify(existing.Config.Cmd) === JSON.stringify(spec.Cmd)
    ) {
      if (!existing.State.Running)
        await audited(this.audit, 'cron.start', ['docker', 'start', spec.name], () =>
          startIfStopped(this.docker, spec.name),
        );
      return;
    }
    if (existing)
      await audited(this.audit, 'docker.container.remove', ['docker', 'rm', '-f', spec.name], () =>
        forceRemove(this.docker, spec.name),
      );
    await this.createAndStart(spec);
  }

  /** A one-off Odoo run on the environment's network and data volume (database init, module updates). */
  async runOnce(
    ctx: WorkerContext,
    name: string,
    args: string[],
    timeoutMs: number,
    opts: { command?: string[]; env?: string[] } = {},
  ): Promise<{ exitCode: number; output: string; durationMs: number }> {
    const started = Date.now();
    const oneoff = await this.oneOffSpec(ctx, name, opts.command ?? ['odoo', ...args], opts.env);
    const argv = ['docker', 'run', '--rm', '--name', oneoff.name, ctx.image, ...(oneoff.Cmd ?? []).map(shortScript)];
    const c = await createWithFiles(this.docker, oneoff);
    try {
      await c.start();
      const exited = await waitExit(c, timeoutMs, `the one-off ${name}`);
      const output = await this.tail(oneoff.name, 200);
      const exitCode = exited ?? -1;
      await this.audit({
        action: `oneoff.${name}`,
        argv,
        ok: exitCode === 0,
        exitCode: exited,
        output: exited !== null ? output : `${output}\n(timed out after ${timeoutMs} ms)`,
        durationMs: Date.now() - started,
      });
      return { exitCode, output, durationMs: Date.now() - started };
    } finally {
      await c.remove({ force: true }).catch(() => undefined);
    }
  }

  /** A one-off's spec (the worker's image, network, volume and database settings; never restarted), its name cleared. */
  private async oneOffSpec(
    ctx: WorkerContext,
    name: string,
    command: string[],
    env: string[] = [],
  ): Promise<CreateSpec> {
    const spec = workerSpec(ctx, 'blue', 1);
    const oneoff: CreateSpec = {
      ...spec,
      name: `${this.names.network}-${name}`,
      Cmd: command,
      Env: [...(spec.Env ?? []), ...env],
      Labels: { ...spec.Labels, [LABEL.role]: 'oneoff' },
      HostConfig: { ...spec.HostConfig, RestartPolicy: { Name: 'no' } },
    };
    delete oneoff.Labels![LABEL.pool];
    await this.docker
      .getContainer(oneoff.name)
      .remove({ force: true })
      .catch(() => undefined);
    return oneoff;
  }

  /**
   * A one-off that keeps running while the caller acts (the cron fence): started and audited here;
   * the caller reads its output and removes it, and the reaper removes one a crashed caller left.
   */
  async startOneOff(ctx: WorkerContext, name: string, command: string[]): Promise<Docker.Container> {
    const spec = await this.oneOffSpec(ctx, name, command);
    await this.createAndStart(spec);
    return this.docker.getContainer(spec.name);
  }

  /** The last lines a container printed: what a failure card shows when a worker dies. */
  async tail(name: string, lines = 40): Promise<string> {
    const buf = (await this.docker
      .getContainer(name)
      .logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
    return demux(buf);
  }

  async imageExists(image: string): Promise<boolean> {
    try {
      await this.docker.getImage(image).inspect();
      return true;
    } catch (err) {
      if (isDockerStatus(err, 404)) return false;
      throw err;
    }
  }

  requireRunning(workers: WorkerInfo[], pool: Pool): void {
    const down = workers.filter((w) => w.pool === pool && !w.running);
    if (down.length > 0)
      throw new FlipdeckError('refused', `the ${pool} pool is not running (${down.map((w) => w.name).join(', ')})`);
  }
}
