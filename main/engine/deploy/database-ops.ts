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
import { createWithFiles } from '../docker/archive';
import { retry } from '../../../shared/retry';
import { demoArgs, imageOdooMajor } from '../odoo/demo-data';
import { baseUrlPlan, baseUrlSql } from '../odoo/base-url';
import { ATTACHMENT_MARK_SQL, parseMarks } from '../odoo/asset-bundles';
import { psqlArgs, withPasswordFile } from '../odoo/container-specs';

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
      const c = await createWithFiles(docker, spec);
      await c.start();
    });
  }

  /**
   * Asks PostgreSQL (psql from the Odoo image, as the stock image ships it) whether Odoo's tables
   * exist, and who owns the database. Odoo serves only databases its role owns once a dbfilter is set
   * (odoo/service/db.py list_dbs: datdba = current_user), and Flipdeck sets one (^name$) so the
   * project's odoo.conf cannot change which database is served; a database owned by another role
   * would send every request to the database selector, so it is refused here, saying what to run.
   */
  async holdsOdoo(ctx: WorkerContext): Promise<boolean> {
    const db = ctx.db;
    const sql =
      "SELECT pg_get_userbyid(datdba), current_user, (SELECT count(*) FROM pg_tables WHERE tablename = 'ir_module_module') FROM pg_database WHERE datname = current_database()";
    const command = [...psqlArgs(db), '-c', sql];
    // A managed PostgreSQL that has just been created may still be starting: retry only that.
    const starting = /could not connect|starting up|Connection refused|timeout expired/i;
    const r = await retry(
      () =>
        this.pools.runOnce(ctx, 'dbcheck', [], 30_000, {
          command: withPasswordFile(command),
          env: ['PGCONNECT_TIMEOUT=5'],
        }),
      {
        maxAttempts: 20,
        baseMs: 1000,
        maxMs: 1000,
        sleep: (ms, signal) => this.clock.sleep(ms, signal),
        retryResult: (out) => out.exitCode !== 0 && starting.test(out.output),
      },
    );
    if (r.exitCode === 0) {
      const [owner, role, tables] = (r.output.trim().split('\n').pop() ?? '').split('|').map((x) => x.trim());
      if (owner && role && owner !== role)
        throw new StepFailure({ kind: 'refused', why: ownerRefusal(db.name, owner, role) });
      return tables === '1';
    }
    // Odoo's -i base creates a missing database, owned by the role it connects as.
    if (/database "[^"]+" does not exist/.test(r.output)) return false;
    throw new StepFailure({
      kind: 'command',
      argv: command,
      exitCode: r.exitCode,
      stderr: r.output.split('\n').slice(-15).join('\n'),
    });
  }

  /**
   * One psql one-off before the new pool starts: web.base.url set and frozen to the environment's
   * public address (nothing without domains), and the attachment sequence's mark (asset-bundles.ts)
   * from which the deploy counts the bundles it regenerates. Returns the mark (null if unreadable).
   */
  async prepareDatabase(ctx: WorkerContext): Promise<number | null> {
    const plan = baseUrlPlan(ctx.env);
    this.log(plan.why);
    const db = ctx.db;
    const command = [...psqlArgs(db), ...(plan.url ? ['-c', baseUrlSql(plan.url)] : []), '-c', ATTACHMENT_MARK_SQL];
    const r = await this.pools.runOnce(ctx, 'dbprep', [], 60_000, {
      command: withPasswordFile(command),
      env: ['PGCONNECT_TIMEOUT=10'],
    });
    if (r.exitCode !== 0)
      throw new StepFailure({
        kind: 'command',
        argv: command,
        exitCode: r.exitCode,
        stderr: r.output.split('\n').slice(-15).join('\n'),
      });
    return parseMarks(r.output).mark;
  }

  /** Odoo's own `-i base` creates and initialises the database, as a one-off run. */
  async initialise(ctx: WorkerContext): Promise<void> {
    const version = await imageOdooMajor(this.link.docker, ctx.image, ctx.env.odoo_version);
    const demo = demoArgs(version.major, ctx.env.demo);
    const argv = ['--database', ctx.db.name, '-i', 'base', ...demo, '--stop-after-init', '--no-http'];
    this.log(
      `initialising database ${ctx.db.name} (odoo ${argv.slice(2).join(' ')}; ${ctx.env.demo ? 'with' : 'without'} demo data, Odoo version from ${version.from})`,
    );
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

/** What to change when the database belongs to another role (nothing was started). */
export function ownerRefusal(name: string, owner: string, role: string): string {
  return (
    `the database ${name} is owned by the role ${owner}, but Odoo connects as ${role}: Odoo lists only the databases ` +
    `its role owns (odoo/service/db.py list_dbs), so every page would go to the database selector. ` +
    `Run, as ${owner} or a superuser: ALTER DATABASE "${name}" OWNER TO "${role}"; — or connect as ${owner} (db.user). No edge or Odoo worker was started.`
  );
}
