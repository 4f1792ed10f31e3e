// The environment's database as a deploy needs it: the managed PostgreSQL container started, and a
// first deploy initialising an empty database (managed or external) — only when it holds no Odoo.
import { envNames } from '../core/names';
import type { DbConnection, WorkerContext } from '../odoo/container-specs';
import { managedDbSpec } from '../odoo/container-specs';
import type { Clock } from '../core/clock';
import { type PoolOps } from './pool-ops';
import { audited, type AuditSink, type ServerLink } from '../core/server-link';
import { StepFailure } from './step-failure';
import { forceRemove, startIfStopped } from '../docker/containers';
import { retry } from '../../../shared/retry';

export class DatabaseOps {
  constructor(
    private readonly link: ServerLink,
    private readonly pools: PoolOps,
    private readonly audit: AuditSink,
    private readonly clock: Clock,
    private readonly log: (line: string) => void,
  ) {}

  async ensureManaged(env: string, image: string, db: DbConnection): Promise<void> {
    const names = envNames(env);
    const docker = this.link.docker;
    const existing = await docker
      .getContainer(names.db)
      .inspect()
      .catch(() => null);
    if (existing?.State.Running) return;
    await this.pools.ensureVolume(names.dbVolume);
    if (existing) {
      await audited(this.audit, 'db.start', ['docker', 'start', names.db], () => startIfStopped(docker, names.db));
      return;
    }
    const spec = managedDbSpec(env, image, db);
    await audited(this.audit, 'db.create', ['docker', 'run', '-d', '--name', names.db, image], async (attempt) => {
      if (attempt > 1) await forceRemove(docker, names.db);
      const c = await docker.createContainer(spec);
      await c.start();
    });
  }

  /** Asks PostgreSQL (psql from the Odoo image, as the stock image ships it) whether Odoo's tables exist. */
  async holdsOdoo(ctx: WorkerContext): Promise<boolean> {
    const db = ctx.db;
    const sql = "SELECT count(*) FROM pg_tables WHERE tablename = 'ir_module_module'";
    const command = ['psql', '-h', db.host, '-p', String(db.port), '-U', db.user, '-d', db.name, '-tAc', sql];
    // A managed PostgreSQL that has just been created may still be starting: retry only that.
    const starting = /could not connect|starting up|Connection refused|timeout expired/i;
    const r = await retry(
      () =>
        this.pools.runOnce(ctx, 'dbcheck', [], 30_000, {
          command,
          env: [`PGPASSWORD=${db.password}`, 'PGCONNECT_TIMEOUT=5'],
        }),
      {
        maxAttempts: 20,
        baseMs: 1000,
        maxMs: 1000,
        sleep: (ms, signal) => this.clock.sleep(ms, signal),
        retryResult: (out) => out.exitCode !== 0 && starting.test(out.output),
      },
    );
    if (r.exitCode === 0) return r.output.trim().split('\n').pop()?.trim() === '1';
    if (/database "[^"]+" does not exist/.test(r.output)) return false;
    throw new StepFailure({
      kind: 'command',
      argv: command,
      exitCode: r.exitCode,
      stderr: r.output.split('\n').slice(-15).join('\n'),
    });
  }

  /** Odoo's own `-i base` creates and initialises the database, as a one-off run. */
  async initialise(ctx: WorkerContext): Promise<void> {
    this.log(`initialising database ${ctx.db.name} (odoo -i base --stop-after-init)`);
    const argv = ['--database', ctx.db.name, '-i', 'base', '--stop-after-init', '--no-http'];
    const r = await this.pools.runOnce(ctx, 'init', argv, Math.max(60_000, ctx.env.ready_timeout));
    for (const line of r.output.split('\n').slice(-20)) if (line) this.log(line);
    if (r.exitCode !== 0)
      throw new StepFailure({
        kind: 'command',
        argv: ['odoo', ...argv],
        exitCode: r.exitCode,
        stderr: r.output.split('\n').slice(-30).join('\n'),
      });
  }
}
