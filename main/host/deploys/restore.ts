// `flipdeck restore` and the app's "restore the backup": lists the backups kept on the server, and
// restores one after a schema-changing deploy was rolled back (engine/deploy/restore.ts). Each step
// is audited; one `restore.result` record carries the outcome.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { FlipdeckError } from '../../../shared/errors';
import type { WorkerContext } from '../../engine/odoo/container-specs';
import { DeployLock, thisProcess } from '../../engine/state/lock';
import { BACKUP_DIR } from '../../engine/deploy/migration';
import { PoolOps } from '../../engine/deploy/pool-ops';
import { listBackups, restoreBackup, type Backup, type RestoreOutcome } from '../../engine/deploy/restore';
import { EdgeOps } from '../../engine/deploy/edge-ops';
import { StateStore } from '../../engine/state/state-store';
import { keptBackup, type ServerState } from '../../engine/state/server-state';
import { actorName, type Deployments, type Target } from './deployments';

async function context(
  d: Deployments,
  t: Target,
  id: string,
): Promise<{ ctx: WorkerContext; live: 'blue' | 'green'; store: StateStore; state: ServerState }> {
  const store = new StateStore(t.link.docker, t.environment.name);
  const state = await store.read();
  if (!state.live || !state.liveImage)
    throw new FlipdeckError('refused', `${t.environment.name} has no live pool: there is no database to restore into`, {
      fix: 'deploy first',
    });
  const ctx: WorkerContext = {
    env: t.environment,
    image: state.liveImage,
    deployId: id,
    by: actorName(),
    db: await d.resolveDb(t),
    resolvedEnv: await d.resolveEnv(t.environment),
  };
  return { ctx, live: state.live, store, state };
}

/** The backups on the server, newest first, and the one taken before the kept pool's migration (the one to restore after a rollback). */
export async function backups(d: Deployments, ref: string): Promise<{ backups: Backup[]; suggested?: string }> {
  const t = await d.target(ref);
  const { ctx, state } = await context(d, t, `list-${randomBytes(3).toString('hex')}`);
  const list = await listBackups(
    new PoolOps(t.link.docker, t.environment.name, d.auditSink(t.server, t.environment.name)),
    ctx,
    state,
  );
  const kept = keptBackup(state) ?? state.history.find((h) => h.backup && h.previousImage === state.liveImage)?.backup;
  const suggested = kept?.startsWith(`${BACKUP_DIR}/`) ? kept.slice(BACKUP_DIR.length + 1) : undefined;
  return { backups: list, ...(suggested && list.some((b) => b.name === suggested) ? { suggested } : {}) };
}

export async function restore(
  d: Deployments,
  ref: string,
  backup: string,
  onLine: (line: string) => void = () => undefined,
): Promise<RestoreOutcome> {
  const t = await d.target(ref);
  const id = `${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;
  const audit = d.auditSink(t.server, t.environment.name, id);
  const { ctx, live, store } = await context(d, t, id);
  const started = Date.now();
  try {
    const out = await restoreBackup({
      ctx,
      backup,
      live,
      store,
      audit,
      pools: new PoolOps(t.link.docker, t.environment.name, audit),
      edge: new EdgeOps(t.link, t.environment.name, t.environment.replicas, audit).admin,
      lock: new DeployLock(t.link.docker, t.environment.name, t.environment.edge_image),
      actor: {
        holder: actorName(),
        machine: os.hostname(),
        pid: process.pid,
        since: new Date().toISOString(),
        deployId: id,
      },
      here: thisProcess(),
      cronGraceSeconds: d.fast ? 5 : 60,
      log: onLine,
    });
    await audit({
      action: 'restore.result',
      argv: ['flipdeck', 'restore', ref, backup],
      ok: true,
      exitCode: 0,
      durationMs: Date.now() - started,
      output: `restored ${out.backup}; the database as it was is kept as ${out.keptAs}; maintenance page for ${out.windowMs} ms`,
      detail: { ...out },
    });
    return out;
  } catch (err) {
    await audit({
      action: 'restore.result',
      argv: ['flipdeck', 'restore', ref, backup],
      ok: false,
      exitCode: 1,
      durationMs: Date.now() - started,
      output: (err as Error).message,
    });
    throw err;
  }
}
