// Restoring a backup that a schema-changing deploy took (pg_dump -Fc, kept in the data volume).
// The copy is restored beside the live database while it keeps serving; only the swap happens
// behind the edge's maintenance page (503 + Retry-After), with the cron runner stopped: sessions on
// the database are ended, it is renamed aside (kept, never dropped), and the copy takes its name.
// The filestore is not in a dump: files written since stay on disk, unreferenced; none is lost.
import { FlipdeckError } from '../../../shared/errors';
import { BACKUP_FILE, type BackupInfo as Backup, type RestoreOutcome } from '../../../shared/deploy';
import type { WorkerContext } from '../odoo/container-specs';
import type { EdgeAdmin } from '../proxy/edge-admin';
import type { StateStore } from '../state/state-store';
import type { ServerState } from '../state/server-state';
import { BACKUP_DIR, PG_PY, RESTORE_COPY_PY } from './migration';
import { type PoolOps } from './pool-ops';
import { audited, type AuditSink } from '../core/server-link';
import type { DeployLock } from '../state/lock';
import { markRunning, type Here, type LockHolder } from '../state/lock';
import { shortScript } from '../core/server-link';

export const LIST_BACKUPS_PY = [
  'import glob, json, os, sys',
  "for p in sorted(glob.glob(os.path.join(sys.argv[1], '*.dump')), key=os.path.getmtime, reverse=True):",
  '    s = os.stat(p)',
  "    print(json.dumps({'name': os.path.basename(p), 'bytes': s.st_size, 'mtime': s.st_mtime}))",
].join('\n');

/** Ends the database's sessions and renames it aside, then gives the restored copy its name (retried: a worker may reconnect in between). */
export const SWAP_PY = [
  'import os, subprocess, sys, time',
  ...PG_PY,
  'db, restored, aside = sys.argv[1], sys.argv[2], sys.argv[3]',
  "psql = ['psql'] + conn + ['-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-tAc']",
  'end = "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = \'%s\' AND pid <> pg_backend_pid()" % db',
  'for attempt in range(5):',
  '    subprocess.run(psql + [end], env=env)',
  '    if subprocess.run(psql + [\'ALTER DATABASE "%s" RENAME TO "%s"\' % (db, aside)], env=env).returncode == 0:',
  '        break',
  '    time.sleep(0.5)',
  'else:',
  "    print('could not rename', db, 'aside: sessions kept coming back', file=sys.stderr)",
  '    sys.exit(3)',
  'if subprocess.run(psql + [\'ALTER DATABASE "%s" RENAME TO "%s"\' % (restored, db)], env=env).returncode != 0:',
  '    subprocess.run(psql + [\'ALTER DATABASE "%s" RENAME TO "%s"\' % (aside, db)], env=env)',
  "    print('could not give the restored copy the name', db, '; the database was put back as it was', file=sys.stderr)",
  '    sys.exit(4)',
  "print('restored', db, '; the database as it was is kept as', aside)",
].join('\n');

export interface RestoreRequest {
  ctx: WorkerContext;
  backup: string;
  live: 'blue' | 'green';
  pools: PoolOps;
  edge: EdgeAdmin;
  store: StateStore;
  lock: DeployLock;
  actor: LockHolder;
  here: Here;
  audit: AuditSink;
  cronGraceSeconds: number;
  log(line: string): void;
}

export type { Backup, RestoreOutcome };

export async function listBackups(pools: PoolOps, ctx: WorkerContext, state: ServerState): Promise<Backup[]> {
  const out = await pools.runOnce(ctx, 'backups', [], 60_000, {
    command: ['python3', '-c', LIST_BACKUPS_PY, BACKUP_DIR],
  });
  if (out.exitCode !== 0)
    throw new FlipdeckError('remote_failed', `could not list the backups in ${BACKUP_DIR}: ${out.output.slice(-300)}`);
  return out.output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      const b = JSON.parse(l) as { name: string; bytes: number; mtime: number };
      const deployId = state.history.find((h) => h.backup === `${BACKUP_DIR}/${b.name}`)?.deployId;
      return {
        name: b.name,
        bytes: b.bytes,
        at: new Date(b.mtime * 1000).toISOString(),
        ...(deployId ? { deployId } : {}),
      };
    });
}

/** The code must match the schema the backup holds: it was taken while some image was live, and that image must be live now. */
export function checkRestorable(state: ServerState, backupPath: string): void {
  const taken = state.history.find((h) => h.backup === backupPath);
  if (taken?.previousImage && state.liveImage && taken.previousImage !== state.liveImage) {
    throw new FlipdeckError(
      'refused',
      `the backup ${backupPath} was taken while ${taken.previousImage} was live, but ${state.liveImage} runs now: its code expects the migrated schema`,
      {
        fix: 'roll back first (flipdeck rollback) so the live code matches the backup, then restore',
      },
    );
  }
}

export async function restoreBackup(r: RestoreRequest): Promise<RestoreOutcome> {
  if (!BACKUP_FILE.test(r.backup))
    throw new FlipdeckError('bad_input', `${JSON.stringify(r.backup.slice(0, 80))} is not a backup file name`, {
      fix: 'name one of `flipdeck restore SERVER/ENV` lists, e.g. shop-20261126…dump',
    });
  const path = `${BACKUP_DIR}/${r.backup}`;
  const db = r.ctx.db.name;
  const stamp = r.ctx.deployId
    .replace(/[^a-z0-9]/gi, '')
    .slice(0, 20)
    .toLowerCase();
  const restored = `${db}_flipdeck_restore`.slice(0, 63);
  const aside = `${db}_before_restore_${stamp}`.slice(0, 63);
  const tool = async (name: string, command: string[]) => {
    const out = await r.pools.runOnce(r.ctx, name, [], 30 * 60_000, { command });
    if (out.exitCode !== 0)
      throw new FlipdeckError(
        'remote_failed',
        `${name} failed (exit ${out.exitCode}): ${command.map(shortScript).join(' ')}\n${out.output.split('\n').slice(-20).join('\n')}`,
      );
    return out.output;
  };

  await r.lock.acquire(r.actor, r.here);
  markRunning(r.ctx.deployId, true);
  try {
    const state = await r.store.read();
    checkRestorable(state, path);
    r.log(`restoring ${path} into ${restored} while ${r.live} keeps serving`);
    await tool('restore-copy', ['python3', '-c', RESTORE_COPY_PY, path, restored]);
    await audited(r.audit, 'edge.maintenance', ['haproxy', 'set server', 'maintenance=on'], () =>
      r.edge.maintenance(true),
    );
    const started = Date.now();
    let windowMs = 0;
    try {
      await r.pools.stopCron(r.live, r.cronGraceSeconds);
      try {
        await tool('restore-swap', ['python3', '-c', SWAP_PY, db, restored, aside]);
      } finally {
        // Swapped or put back: the live pool's crons run again either way.
        await r.pools.startCron(r.ctx, r.live);
      }
    } finally {
      await audited(r.audit, 'edge.maintenance', ['haproxy', 'set server', 'maintenance=off'], () =>
        r.edge.maintenance(false),
      );
      windowMs = Date.now() - started;
    }
    r.log(
      `${db} restored from ${r.backup}; maintenance page shown for ${(windowMs / 1000).toFixed(1)} s; the database as it was is kept as ${aside}`,
    );
    let removedKept: 'blue' | 'green' | undefined;
    if (state.kept && state.kept.pool !== r.live) {
      removedKept = state.kept.pool;
      await r.edge.setPool(removedKept, 'maint').catch(() => undefined);
      await r.pools.removePool(removedKept, { keepCron: false });
      r.log(`removed the kept ${removedKept} pool: its code expects the schema the backup undid`);
    }
    await r.store.update((s) => ({ ...s, kept: removedKept ? null : s.kept, migratedSinceKept: false }));
    return { backup: path, keptAs: aside, windowMs, ...(removedKept ? { removedKept } : {}) };
  } finally {
    markRunning(r.ctx.deployId, false);
    await r.lock.release().catch(() => undefined);
  }
}
