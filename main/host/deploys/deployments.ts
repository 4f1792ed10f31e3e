// Deploys, rollbacks and status for `SERVER/ENV`, shared by the CLI and (next) the app: resolves the
// server, its environment, secrets and the link, then hands the engine what it needs. Secrets are
// resolved here, in main, and only ever reach the server.
import { randomBytes } from 'node:crypto';
import { readFile, stat, statfs } from 'node:fs/promises';
import os from 'node:os';
import { describeFailure, type DeployProgress } from '../../../shared/deploy';
import { FlipdeckError } from '../../../shared/errors';
import type { Server } from '../../../shared/model';
import type { Environment } from '../../../shared/environment';
import { Deploy } from '../../engine/deploy/deploy';
import type { DeployResult } from '../../engine/deploy/driver';
import { DeployLock, markRunning, thisProcess } from '../../engine/state/lock';
import { reapExpired, type ReapResult } from '../../engine/deploy/reaper';
import { FAST_TIMING, SEED_TIMING } from '../../engine/odoo/readiness';
import type { AuditSink, RemoteAction, ServerLink } from '../../engine/core/server-link';
import type { DbConnection } from '../../engine/odoo/container-specs';
import { envNames } from '../../engine/core/names';
import { EDGE_TIMING, FAST_EDGE_TIMING } from '../../engine/proxy/haproxy-config';
import { StateStore } from '../../engine/state/state-store';
import { keptBackup, keptPoolUsable, previousLiveImage } from '../../engine/state/server-state';
import type { AuditLog } from '../../store/audit-log';
import type { EnvironmentStore } from '../../store/environments';
import type { InventoryStore } from '../../store/inventory';
import { envVarFor, type Redactor, type SecretStore } from '../../store/secret-store';
import { linkFor } from '../servers/server-link';
import type { ServerSessions } from '../servers/server-sessions';
import { managedDbPassword } from '../../engine/odoo/container-specs';

export interface DeploymentsDeps {
  inventory: InventoryStore;
  environments: EnvironmentStore;
  sessions: ServerSessions;
  secrets: SecretStore;
  redactor: Redactor;
  audit: AuditLog;
  env: NodeJS.ProcessEnv;
}

export interface Target {
  server: Server;
  environment: Environment;
  link: ServerLink;
  /** Free bytes on the filesystem holding `path` on the server (df over SSH, statfs for this computer). */
  freeBytes(path: string): Promise<number | null>;
  /** A small host file (/proc, /sys) of the server: `cat` over SSH, or read here for this computer. */
  readHostFile(path: string): Promise<string | null>;
}

export function parseRef(ref: string): { server: string; env: string } {
  const m = /^([^/\s]+)\/([a-z0-9][a-z0-9_-]{0,39})$/.exec(ref);
  if (!m)
    throw new FlipdeckError('bad_input', `expected SERVER/ENV, got ${JSON.stringify(ref.slice(0, 80))}`, {
      fix: 'name the server and the environment, e.g. acme-prod/production',
    });
  return { server: m[1]!, env: m[2]! };
}

/** A secret a deploy read: its name and where from (`FLIPDECK_SECRET_X`, "the local secret store"), never the value. */
export type SecretSeen = (name: string, where: string) => void;

export const actorName = () => `${os.userInfo().username}@${os.hostname()}`;

export class Deployments {
  constructor(private readonly d: DeploymentsDeps) {}

  get fast(): boolean {
    return this.d.env.FLIPDECK_TIMING === 'fast';
  }

  async target(ref: string): Promise<Target> {
    const { server: serverName, env } = parseRef(ref);
    const server = this.d.inventory.serverByName(serverName);
    const environment = await this.d.environments.get(server.name, env);
    const link = await linkFor(this.d.sessions, this.d.inventory, server.id);
    const freeBytes = async (p: string): Promise<number | null> => {
      if (server.kind === 'local')
        return statfs(p).then(
          (s) => s.bavail * s.bsize,
          () => null,
        );
      const r = await (await this.d.sessions.ssh(server.id)).exec(['df', '-Pk', p]);
      const avail = Number(r.stdout.trim().split('\n').pop()?.split(/\s+/)[3]);
      return r.exitCode === 0 && Number.isFinite(avail) ? avail * 1024 : null;
    };
    const readHostFile = async (p: string): Promise<string | null> => {
      if (server.kind === 'local') return readFile(p, 'utf8').catch(() => null);
      const r = await (await this.d.sessions.ssh(server.id)).exec(['cat', p], { timeoutMs: 10_000 });
      return r.exitCode === 0 ? r.stdout : null;
    };
    return { server, environment, link, freeBytes, readHostFile };
  }

  /** Records the engine's remote actions; a deploy's carry its id, so its report can gather them. */
  auditSink(server: Server, environment: string, deployId?: string): AuditSink {
    return async (a: RemoteAction) => {
      const detail = deployId ? { ...a.detail, deploy: deployId } : a.detail;
      await this.d.audit.append({
        action: a.action,
        server: server.name,
        environment,
        argv: a.argv,
        ok: a.ok,
        ...(a.exitCode !== undefined ? { exitCode: a.exitCode } : {}),
        durationMs: a.durationMs,
        ...(a.output ? { output: a.output } : {}),
        ...(detail ? { detail } : {}),
      });
    };
  }

  /** The group of the server's Docker socket: the edge's admin socket is opened to it. */
  private async adminGid(t: Target): Promise<number | undefined> {
    if (t.server.kind === 'local') return (await stat(t.server.dockerSocket)).gid;
    const r = await (await this.d.sessions.ssh(t.server.id)).exec(['stat', '-c', '%g', t.server.dockerSocket]);
    const gid = Number(r.stdout.trim());
    return r.exitCode === 0 && Number.isInteger(gid) ? gid : undefined;
  }

  private async secret(name: string, what: string, onSecret?: SecretSeen): Promise<string> {
    const found = await this.d.secrets.find(name);
    if (found === undefined)
      throw new FlipdeckError('secret_missing', `the secret "${name}" (${what}) is not set`, {
        fix: `set it with Secrets… on the environment in the app, or \`flipdeck secret set ${name}\` (value on stdin); in CI set ${envVarFor(name)}`,
      });
    this.d.redactor.add(found.value);
    onSecret?.(name, found.where);
    return found.value;
  }

  async resolveEnv(environment: Environment, onSecret?: SecretSeen): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(environment.env))
      out[k] =
        typeof v === 'object' ? await this.secret(v.secret, `env ${k} of ${environment.name}`, onSecret) : String(v);
    return out;
  }

  /**
   * A managed database's password lives where it must anyway: in the database container on the server.
   * The first deploy generates it; later deploys (from any laptop) read it back from there.
   */
  async resolveDb(t: Target): Promise<DbConnection> {
    const db = t.environment.db;
    if (db !== 'managed') {
      const password = await this.secret(db.password.secret, `database password of ${t.environment.name}`);
      // The Odoo image's entrypoint passes it unquoted to wait-for-psql.py: spaces split it, a leading '-' reads as an option.
      if (/^-|\s/.test(password))
        throw new FlipdeckError(
          'bad_input',
          `the database password of ${t.environment.name} starts with '-' or contains whitespace, which the Odoo image's entrypoint cannot pass on`,
          { fix: `choose a password without those and store it in the secret ${db.password.secret}` },
        );
      return { host: db.host, port: db.port, user: db.user, name: db.name, password };
    }
    const names = envNames(t.environment.name);
    const fromServer = (await managedDbPassword(t.link.docker, names.db)) ?? undefined;
    // Hex: Odoo's entrypoint hands the password to wait-for-psql.py as an argument, and a value
    // starting with '-' (base64url can) reads as an option there, so the database never comes up.
    const password = fromServer ?? randomBytes(24).toString('hex');
    this.d.redactor.add(password);
    return { host: names.db, port: 5432, user: 'odoo', password, name: t.environment.name };
  }

  async run(
    ref: string,
    kind: 'deploy' | 'rollback',
    o: {
      image?: string;
      gitRef?: string;
      updateMode?: 'online' | 'cutover';
      onProgress?: (p: DeployProgress) => void;
      signal?: AbortSignal;
      confirmFlip?: () => Promise<void>;
      /** Each secret the deploy read, with where from (the CLI says so on stderr). */
      onSecret?: SecretSeen;
    } = {},
  ): Promise<DeployResult> {
    // Live progress (step logs, git and build output, notices) passes the redactor before the CLI or the
    // app shows it: secrets resolved during the deploy join it as they are read.
    const onProgress = o.onProgress;
    if (onProgress) o = { ...o, onProgress: (p) => onProgress(this.d.redactor.redactDeep(p)) };
    const t = await this.target(ref);
    if (o.updateMode) t.environment = { ...t.environment, update_mode: o.updateMode };
    let actualKind = kind;
    let image = o.image;
    let note: string | undefined;
    if (kind === 'rollback') {
      const state = await new StateStore(t.link.docker, t.environment.name).read();
      if (!keptPoolUsable(state, Date.now())) {
        const previous = previousLiveImage(state);
        if (!previous)
          throw new FlipdeckError('refused', `${ref} has nothing to roll back to`, {
            fix: 'deploy a known-good version instead',
          });
        actualKind = 'deploy';
        image = previous;
        note = `the keep window is over: redeploying the previous image ${previous} as a normal blue-green deploy`;
      }
      if (state.migratedSinceKept) {
        const backup = keptBackup(state);
        note = `${note ? `${note}; ` : ''}the database was migrated since the kept pool was live: rolling back the code does not undo the migration${backup ? `; the backup taken before it is ${backup} on the server: once rolled back, flipdeck restore (or Restore in the app) puts it back if the old code cannot run on the new schema` : ''}`;
      }
    }
    if (note) o.onProgress?.({ kind: 'notice', deploy: '-', message: note });
    const deployId = `${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;
    // Secrets first: a missing one is bad input (exit 2) before anything starts on the server.
    const resolvedEnv = await this.resolveEnv(t.environment, o.onSecret);
    if (t.environment.db !== 'managed')
      await this.secret(t.environment.db.password.secret, `database password of ${t.environment.name}`, o.onSecret);
    const adminGid = await this.adminGid(t);
    const seen: { counters?: { requests: number; failed: number }; flipMs?: number; notices: string[] } = {
      notices: note ? [note] : [],
    };
    const started = Date.now();
    const engine = new Deploy({
      env: t.environment,
      deployId,
      kind: actualKind,
      ...(image ? { image } : {}),
      ...(o.gitRef ? { ref: o.gitRef } : {}),
      actor: {
        holder: actorName(),
        machine: os.hostname(),
        pid: process.pid,
        since: new Date().toISOString(),
        deployId,
      },
      here: thisProcess(),
      link: t.link,
      audit: this.auditSink(t.server, t.environment.name, deployId),
      emit: (p) => {
        if (p.kind === 'counters') seen.counters = { requests: p.requests, failed: p.failed };
        if (p.kind === 'flipped') seen.flipMs = p.commandMs;
        if (p.kind === 'notice') seen.notices.push(p.message);
        o.onProgress?.(p);
      },
      timing: this.fast
        ? { readiness: FAST_TIMING, edge: FAST_EDGE_TIMING, drainPollMs: 100, cronGraceSeconds: 5 }
        : { readiness: SEED_TIMING, edge: EDGE_TIMING, drainPollMs: 500, cronGraceSeconds: 60 },
      images: { edge: t.environment.edge_image, postgres: t.environment.db_image },
      resolveEnv: async () => resolvedEnv,
      resolveDb: () => this.resolveDb(t),
      ...(adminGid !== undefined ? { adminGid } : {}),
      ...(o.confirmFlip ? { confirmFlip: o.confirmFlip } : {}),
      auditHead: () => this.d.audit.head(),
    });
    const result = await engine.run(o.signal);
    // One record per deploy with its outcome: what the audit view lists and the report is built from.
    await this.d.audit.append({
      action: `${kind}.result`,
      server: t.server.name,
      environment: t.environment.name,
      ok: result.ok,
      durationMs: Date.now() - started,
      ...(result.failedStep && result.reason ? { output: describeFailure(result.failedStep, result.reason) } : {}),
      detail: {
        deploy: deployId,
        kind: actualKind,
        strategy: t.environment.strategy,
        ...((o.gitRef ?? t.environment.ref) ? { ref: o.gitRef ?? t.environment.ref } : {}),
        ...(image ? { image } : {}),
        steps: result.steps,
        ...(result.failedStep ? { failedStep: result.failedStep } : {}),
        ...(result.cancelled ? { cancelled: true } : {}),
        ...(seen.counters ? { counters: seen.counters } : {}),
        ...(seen.flipMs !== undefined ? { flipMs: seen.flipMs } : {}),
        ...(seen.notices.length ? { notices: seen.notices } : {}),
      },
    });
    return note ? { ...result, note } : result;
  }

  /** Other environments (SERVER/ENV) whose external database is this one's: the same database served from elsewhere. */
  async sharingDatabase(e: Environment): Promise<string[]> {
    if (e.db === 'managed') return [];
    const key = (d: Exclude<Environment['db'], 'managed'>) => `${d.host.toLowerCase()}:${d.port}/${d.name}`;
    const mine = key(e.db);
    const out: string[] = [];
    for (const ref of await this.d.environments.list()) {
      if (ref.server === e.server && ref.name === e.name) continue;
      const other = await this.d.environments.get(ref.server, ref.name).catch(() => null);
      if (other && other.db !== 'managed' && key(other.db) === mine) out.push(`${ref.server}/${ref.name}`);
    }
    return out;
  }

  /** Compares the audit head this laptop left on the server with the local log (a rewritten log no longer matches). */
  async checkAuditHead(ref: string): Promise<{ ok: boolean; message: string }> {
    const t = await this.target(ref);
    const state = await new StateStore(t.link.docker, t.environment.name).read();
    const me = actorName();
    const head = state.auditHeads[me];
    if (!head) return { ok: true, message: `${ref} holds no audit head of ${me} yet (no deploy from here)` };
    const local = await this.d.audit.macAt(head.seq);
    if (local === head.mac)
      return {
        ok: true,
        message: `the local audit log matches the head ${me} left on ${ref} (record ${head.seq}, ${head.at})`,
      };
    return {
      ok: false,
      message:
        local === null
          ? `the local audit log has no record ${head.seq}, the head ${me} left on ${ref} (${head.at}): records were removed, or the log was emptied or replaced, since`
          : `record ${head.seq} of the local audit log is not the one ${me} left as its head on ${ref} (${head.at}): it was altered, or the log rewritten, since`,
    };
  }

  async auditNote(action: string, server: string, environment: string, detail: Record<string, unknown>): Promise<void> {
    await this.d.audit.append({ action, server, environment, ok: true, detail });
  }

  async saveResources(
    t: Target,
    resources: { memory?: number; memory_swap?: number | undefined; cpus?: number },
  ): Promise<void> {
    await this.d.environments.patch(t.server.name, t.environment.name, (d) => ({
      ...d,
      resources: { ...((d.resources as Record<string, unknown> | undefined) ?? {}), ...resources },
    }));
  }

  /** Ends expired keep windows and prunes old images now, under the deploy lock (skipped while one is held). */
  async gc(ref: string): Promise<ReapResult> {
    const t = await this.target(ref);
    const lock = new DeployLock(t.link.docker, t.environment.name, t.environment.edge_image);
    const deployId = `gc-${randomBytes(3).toString('hex')}`;
    markRunning(deployId, true);
    try {
      await lock.acquire(
        { holder: actorName(), machine: os.hostname(), pid: process.pid, since: new Date().toISOString(), deployId },
        thisProcess(),
      );
      try {
        return await reapExpired(
          t.link,
          t.environment.name,
          t.environment.replicas,
          this.auditSink(t.server, t.environment.name),
        );
      } finally {
        await lock.release();
      }
    } finally {
      markRunning(deployId, false);
    }
  }

  async unlock(ref: string): Promise<{ broke: string | null }> {
    const t = await this.target(ref);
    const lock = new DeployLock(t.link.docker, t.environment.name, t.environment.edge_image);
    const started = Date.now();
    const existing = await lock.breakLock();
    await this.d.audit.append({
      action: 'deploy.unlock',
      server: t.server.name,
      environment: t.environment.name,
      argv: ['docker', 'rm', '-f', envNames(t.environment.name).lock],
      ok: true,
      durationMs: Date.now() - started,
      detail: existing
        ? { holder: existing.holder, since: existing.since, deployId: existing.deployId }
        : { holder: null },
    });
    return { broke: existing ? `${existing.holder} (since ${existing.since}, deploy ${existing.deployId})` : null };
  }
}
