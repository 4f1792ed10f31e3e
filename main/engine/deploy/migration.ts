// The migrating step of a deploy over a live pool. Which modules changed is read from the image
// labels (the live image's module stamp against the new one). Code-only: nothing to do, a true
// zero-downtime flip follows. Schema-changing: a pg_dump backup kept on the server (named in the
// audit log and the history, older ones pruned), a rehearsal of the update on a copy of the database
// (only a passing rehearsal goes on), then the real update — online (the live pool keeps serving) or
// behind the edge's maintenance page (503 + Retry-After) for exactly the update's duration.
// Odoo's own core addons, when the base image's Odoo changed, are reported and updated only with
// `update_core: true` (./core-update.ts).
// Every command is a fixed script or argv array: module and database names are validated names.
import type Docker from 'dockerode';
import type { DeployProgress } from '../../../shared/deploy';
import { psqlArgs, withPasswordFile, type WorkerContext } from '../odoo/container-specs';
import { moduleChanges, type ModuleChanges } from '../preflight/checks/modules';
import { liveModuleStamp } from '../preflight/server-facts';
import type { EdgeAdmin } from '../proxy/edge-admin';
import { type PoolOps } from './pool-ops';
import type { Clock } from '../core/clock';
import { audited, type AuditSink } from '../core/server-link';
import { StepFailure } from './step-failure';
import { ACTIVE_LANGUAGES_SQL, INSTALLED_MODULES_SQL, parseLanguageCodes, parseModuleNames } from '../odoo/addons';
import { shortScript } from '../core/server-link';
import { demoArgs, imageOdooMajor } from '../odoo/demo-data';
import type { ImageFacts } from '../odoo/image-facts';
import { coreUpdate, describeCoreUpdate, withCoreUpdate } from './core-update';

/** Backups live in the data volume beside the filestore they belong with. */
export const BACKUP_DIR = '/var/lib/odoo/flipdeck-backups';

/** The connection every pg tool uses, from the Odoo container's own HOST/PORT/USER/PASSWORD. */
export const PG_PY = [
  "pw = open(os.environ['PASSWORD_FILE']).read() if os.environ.get('PASSWORD_FILE') else os.environ.get('PASSWORD', '')",
  'env = dict(os.environ, PGPASSWORD=pw)',
  "conn = ['-h', os.environ['HOST'], '-p', os.environ.get('PORT', '5432'), '-U', os.environ['USER']]",
  'def run(cmd):',
  '    r = subprocess.run(cmd, env=env)',
  '    if r.returncode != 0:',
  "        print('failed:', ' '.join(cmd), file=sys.stderr)",
  '        sys.exit(r.returncode)',
];

export const BACKUP_PY = [
  'import glob, os, subprocess, sys',
  ...PG_PY,
  'd, name, db, keep = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])',
  'os.makedirs(d, exist_ok=True)',
  'path = os.path.join(d, name)',
  "run(['pg_dump'] + conn + ['-Fc', '-f', path, db])",
  "for old in sorted(glob.glob(os.path.join(d, '*.dump')), key=os.path.getmtime)[:-keep]:",
  '    os.remove(old)',
  "    print('pruned', os.path.basename(old))",
  "print('backup', path, os.path.getsize(path), 'bytes')",
].join('\n');

export const RESTORE_COPY_PY = [
  'import os, subprocess, sys',
  ...PG_PY,
  'path, copy = sys.argv[1], sys.argv[2]',
  "run(['dropdb', '--if-exists'] + conn + [copy])",
  "run(['createdb'] + conn + [copy])",
  "run(['pg_restore', '--no-owner'] + conn + ['-d', copy, path])",
  "print('restored', os.path.basename(path), 'into', copy)",
].join('\n');

export const DROP_COPY_PY = [
  'import os, shutil, subprocess, sys',
  ...PG_PY,
  'copy = sys.argv[1]',
  "run(['dropdb', '--if-exists'] + conn + [copy])",
  "shutil.rmtree(os.path.join('/var/lib/odoo/filestore', copy), ignore_errors=True)",
  "print('dropped', copy)",
].join('\n');

export interface MigrationRequest {
  ctx: WorkerContext;
  liveImage: string | null;
  pools: PoolOps;
  edge: EdgeAdmin;
  audit: AuditSink;
  clock: Clock;
  docker: Docker;
  /** What the built and the live image said at the build (their Odoo core versions); absent for a prebuilt image. */
  imageFacts?: { built: ImageFacts | null; live: ImageFacts | null } | undefined;
  emit(p: DeployProgress): void;
  log(line: string): void;
}

export interface MigrationOutcome {
  changes: ModuleChanges;
  backup?: string;
  /** The real update ran (the kept pool now runs on a migrated database). */
  migrated: boolean;
}

const TIMEOUT = 30 * 60_000;

export async function migrate(r: MigrationRequest): Promise<MigrationOutcome> {
  const { ctx } = r;
  const e = ctx.env;
  const deploy = ctx.deployId;
  const next = await liveModuleStamp(r.docker, ctx.image);
  const live = await liveModuleStamp(r.docker, r.liveImage);
  // Asking the database (a one-off container) only when files changed keeps code-only deploys fast.
  const raw = next
    ? moduleChanges(live, next)
    : { update: [], added: [], removed: [], unchanged: [], kind: 'unknown' as const };
  const facts = r.imageFacts;
  const core0 = coreUpdate(facts?.live ?? null, facts?.built ?? null, null, e.update_core);
  // .po files count only for the database's own languages (click-odoo-update's rule), so a change to
  // another language's translations alone is a code-only deploy.
  const db_ = (next && raw.kind === 'schema-changing') || core0.update.length ? await databaseModules(r, ctx) : null;
  const own = next && db_ ? moduleChanges(live, next, db_.installed, db_.languages) : raw;
  if (db_?.languages) r.log(`the database's languages: ${db_.languages.join(', ')} (other .po files do not count)`);
  // Odoo's own addons, when the base image's Odoo changed: reported, updated only with update_core.
  const core = coreUpdate(facts?.live ?? null, facts?.built ?? null, db_?.installed ?? null, e.update_core);
  const coreLine = describeCoreUpdate(core);
  if (coreLine) r.log(coreLine);
  const changes = withCoreUpdate(own, core);
  const summary = { kind: changes.kind, update: changes.update, install: live ? changes.added : [] };
  if (changes.kind !== 'schema-changing') {
    r.log(
      changes.kind === 'code-only'
        ? 'code-only deploy: no module changed, nothing to update'
        : 'the live image carries no module stamp: modules are not compared, nothing is updated',
    );
    r.emit({ kind: 'migration', deploy, changes: summary });
    return { changes, migrated: false };
  }
  r.log(
    `schema-changing deploy: -u ${changes.update.join(',') || '(none)'}${summary.install.length ? `, -i ${summary.install.join(',')}` : ''}`,
  );
  const db = ctx.db.name;

  // 1. Backup, before anything touches the database.
  const file = `${db}-${deploy}.dump`;
  const backup = `${BACKUP_DIR}/${file}`;
  await tool(r, 'backup', ['python3', '-c', BACKUP_PY, BACKUP_DIR, file, db, String(e.backups_keep)]);
  r.log(`database backed up to ${backup} (keeping the last ${e.backups_keep})`);
  r.emit({ kind: 'migration', deploy, changes: summary, backup });

  // Every -i says whether to load demo data (the environment's `demo`), never Odoo's default.
  const demo = summary.install.length
    ? demoArgs((await imageOdooMajor(r.docker, ctx.image, e.odoo_version)).major, e.demo)
    : [];
  const updateArgs = (database: string) => [
    '--database',
    database,
    ...(changes.update.length ? ['-u', changes.update.join(',')] : []),
    ...(summary.install.length ? ['-i', summary.install.join(','), ...demo] : []),
    '--stop-after-init',
    '--no-http',
  ];

  // 2. Rehearsal on a copy: the real database is touched only if this passes.
  if (e.rehearse) {
    const copy = `${db}_flipdeck_rehearsal`.slice(0, 63);
    await tool(r, 'rehearsal-copy', ['python3', '-c', RESTORE_COPY_PY, backup, copy]);
    try {
      const started = r.clock.now();
      const rehearsal = await r.pools.runOnce(ctx, 'rehearsal', updateArgs(copy), TIMEOUT);
      for (const line of rehearsal.output.split('\n').slice(-15)) if (line) r.log(`rehearsal | ${line}`);
      if (rehearsal.exitCode !== 0) {
        throw new StepFailure({
          kind: 'command',
          argv: ['odoo', ...updateArgs(copy)],
          exitCode: rehearsal.exitCode,
          stderr: `the rehearsal on a copy of the database failed; the real database was not touched.\n${rehearsal.output.split('\n').slice(-30).join('\n')}`,
        });
      }
      r.log(`rehearsal passed in ${((r.clock.now() - started) / 1000).toFixed(1)} s`);
    } finally {
      await tool(r, 'rehearsal-drop', ['python3', '-c', DROP_COPY_PY, copy]).catch(() => undefined);
    }
  }

  // 3. The real update.
  const mode = e.update_mode;
  let cutoverMs: number | undefined;
  const started = r.clock.now();
  if (mode === 'cutover') {
    await audited(r.audit, 'edge.maintenance', ['haproxy', 'set server', 'maintenance=on'], () =>
      r.edge.maintenance(true),
    );
    r.log('maintenance page on (503 + Retry-After) for the update');
  }
  let result;
  try {
    result = await r.pools.runOnce(ctx, 'update', updateArgs(db), TIMEOUT);
  } finally {
    if (mode === 'cutover') {
      await audited(r.audit, 'edge.maintenance', ['haproxy', 'set server', 'maintenance=off'], () =>
        r.edge.maintenance(false),
      );
      cutoverMs = r.clock.now() - started;
      r.log(`maintenance page off after ${(cutoverMs / 1000).toFixed(1)} s`);
    }
  }
  const updateMs = r.clock.now() - started;
  for (const line of result.output.split('\n').slice(-15)) if (line) r.log(`update | ${line}`);
  if (result.exitCode !== 0) {
    throw new StepFailure({
      kind: 'command',
      argv: ['odoo', ...updateArgs(db)],
      exitCode: result.exitCode,
      stderr: `the module update failed; the live pool kept serving. Odoo commits each module as it finishes (odoo/modules/loading.py), so modules updated before the failure stay migrated; the backup ${backup} restores the database (flipdeck restore) if the old code cannot run on it.\n${result.output.split('\n').slice(-30).join('\n')}`,
    });
  }
  r.emit({
    kind: 'migration',
    deploy,
    changes: summary,
    backup,
    mode,
    updateMs,
    ...(cutoverMs !== undefined ? { cutoverMs } : {}),
  });
  return { changes, backup, migrated: true };
}

/** A fixed script in a one-off container of the new image, on the environment's network. */
async function tool(r: MigrationRequest, name: string, command: string[]): Promise<string> {
  const out = await r.pools.runOnce(r.ctx, name, [], 10 * 60_000, { command });
  if (out.exitCode !== 0)
    throw new StepFailure({
      kind: 'command',
      argv: command.map(shortScript),
      exitCode: out.exitCode,
      stderr: out.output.split('\n').slice(-20).join('\n'),
    });
  return out.output;
}

/** The database's installed modules and active languages, in one psql call from the new image (the environment's own credentials). */
async function databaseModules(
  r: MigrationRequest,
  ctx: WorkerContext,
): Promise<{ installed: Set<string> | null; languages: string[] | undefined } | null> {
  const db = ctx.db;
  const conn = psqlArgs(db);
  const out = await r.pools.runOnce(ctx, 'installed', [], 60_000, {
    command: withPasswordFile([...conn, '-c', INSTALLED_MODULES_SQL, '-c', ACTIVE_LANGUAGES_SQL]),
    env: ['PGCONNECT_TIMEOUT=10'],
  });
  if (out.exitCode === 0)
    return { installed: parseModuleNames(out.output), languages: parseLanguageCodes(out.output) ?? undefined };
  // An older database without res_lang (or any error in the second question): the modules alone, every .po counting.
  const modules = await r.pools.runOnce(ctx, 'installed', [], 60_000, {
    command: withPasswordFile([...conn, '-c', INSTALLED_MODULES_SQL]),
    env: ['PGCONNECT_TIMEOUT=10'],
  });
  return modules.exitCode === 0 ? { installed: parseModuleNames(modules.output), languages: undefined } : null;
}
