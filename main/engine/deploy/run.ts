// One deploy or rollback in progress: what it has learnt so far (server state, plan, image, worker
// context) and the steps every strategy is built from, with flip-drain.ts and pool-readiness.ts. The
// strategies (strategies/*.ts) decide which of these run at each step; nothing here depends on one.
import type { DeployProgress, Pool, StepId } from '../../../shared/deploy';
import { otherPool } from '../../../shared/deploy';
import type { Environment } from '../../../shared/environment';
import { busPort, type DbConnection, type WorkerContext } from '../odoo/container-specs';
import { modeChangeRefusal } from '../preflight/checks/server-mode';
import { envNames } from '../core/names';
import type { EdgeTiming } from '../proxy/haproxy-config';
import { StateStore } from '../state/state-store';
import { recordHistory, type HistoryEntry, type ServerState } from '../state/server-state';
import { buildStep, type BuildOutcome } from './build-step';
import { DatabaseOps } from './database-ops';
import { reapExpired } from './reaper';
import { reconcileWithEdge } from './reconcile';
import { EdgeOps } from './edge-ops';
import { DeployLock, type Here, type LockHolder } from '../state/lock';
import type { DeployState, Effect, Plan } from './machine';
import { PoolOps } from './pool-ops';
import type { ReadinessTiming } from '../odoo/readiness';
import { realClock, type Clock } from '../core/clock';
import type { AuditSink, ServerLink } from '../core/server-link';
import { migrate } from './migration';
import { historyEntry } from './history-entry';
import { StepFailure } from './step-failure';
import type { FirstPage } from './asset-report';

export interface DeployTiming {
  readiness: ReadinessTiming;
  edge: EdgeTiming;
  drainPollMs: number;
  cronGraceSeconds: number;
}

export interface DeployOptions {
  env: Environment;
  deployId: string;
  kind: 'deploy' | 'rollback';
  /** The image to run when not building from `env.source` (env.image, or the previous image). */
  image?: string;
  ref?: string;
  actor: LockHolder;
  here: Here;
  link: ServerLink;
  audit: AuditSink;
  emit(p: DeployProgress): void;
  timing: DeployTiming;
  images: { edge: string; postgres: string };
  resolveEnv(): Promise<Record<string, string>>;
  resolveDb(): Promise<DbConnection>;
  /** The wizard's "one deliberate confirm": awaited at the end of green_ready; throws to stop there (cancel). */
  confirmFlip?(): Promise<void>;
  /** The head of the local audit chain, recorded on the server so a rewritten local log no longer matches. */
  auditHead?(): Promise<{ seq: number; mac: string } | null>;
  /** The edge's admin socket group: the Docker socket's gid on the server. */
  adminGid?: number;
  clock?: Clock;
}

/** What the machine asks the driver to carry out besides running a step. */
export type CleanupEffect = Exclude<Effect, { kind: 'run_step' }>;

export class DeployRun {
  readonly pools: PoolOps;
  readonly edge: EdgeOps;
  private readonly store: StateStore;
  private readonly lock: DeployLock;
  readonly clock: Clock;
  state!: ServerState;
  plan!: Plan;
  image = '';
  ctx!: WorkerContext;
  startedAt = '';
  /** The restart strategy's measured outage, for the history. */
  downtimeMs: number | undefined;
  /** The edge's frontend counters when the flip started (flip-drain.ts): the summary's requests served and failed. */
  countersAtFlip: { requests: number; http5xx: number } | null = null;
  /** The attachment sequence before the new pool started: bundles generated since are counted from it. */
  attachmentMark: number | null = null;
  /** The first page through the edge after the flip (its time, and the bundles it loaded). */
  firstPage: FirstPage | null = null;
  /** The commit a git source resolved to, for the history. */
  private commit: string | undefined;
  /** This deploy updated modules in the database (the kept pool then runs on a migrated schema). */
  private migrated = false;
  private backup: string | undefined;
  /** What the built image and the live one said at the build (their Odoo core versions, for the migrating step). */
  private imageFacts: BuildOutcome['facts'];

  constructor(readonly o: DeployOptions) {
    const docker = o.link.docker;
    this.pools = new PoolOps(docker, o.env.name, o.audit);
    this.edge = new EdgeOps(o.link, o.env.name, o.env.replicas, o.audit);
    this.store = new StateStore(docker, o.env.name);
    this.lock = new DeployLock(docker, o.env.name, o.images.edge);
    this.clock = o.clock ?? realClock;
  }

  log(step: StepId, line: string): void {
    this.o.emit({ kind: 'log', deploy: this.o.deployId, step, line });
  }

  notice(message: string): void {
    this.o.emit({ kind: 'notice', deploy: this.o.deployId, message });
  }

  /** The pool serving when the deploy started. Rolling and restart run only over one: a first deploy is blue-green. */
  get old(): Pool {
    if (!this.plan.live) throw new Error(`${this.o.env.name} has no live pool to replace`);
    return this.plan.live;
  }

  /** Reads the server's state, going by the edge where the two disagree (reconcile.ts). */
  async reconcile(): Promise<void> {
    this.state = await reconcileWithEdge(await this.store.read(), {
      edge: this.edge,
      pools: this.pools,
      store: this.store,
      keepWindowMs: this.o.env.keep_window,
      now: this.clock.now(),
      notice: (message) => this.notice(message),
    });
  }

  async takeLock(): Promise<void> {
    const took = await this.lock.acquire(this.o.actor, this.o.here, this.clock.now());
    if (took.tookOver) this.notice(took.tookOver);
  }

  async build(signal: AbortSignal): Promise<void> {
    const built = await buildStep({
      env: this.o.env,
      deployId: this.o.deployId,
      link: this.o.link,
      audit: this.o.audit,
      pools: this.pools,
      liveImage: this.state.liveImage,
      signal,
      log: (l) => this.log('build', l),
      warn: (message) => this.notice(message),
      ...(this.o.image ? { image: this.o.image } : {}),
      ...(this.o.ref ? { ref: this.o.ref } : {}),
    });
    this.image = built.image;
    if (built.commit) this.commit = built.commit;
    if (built.facts) this.imageFacts = built.facts;
  }

  /** Backup, rehearsal and module update when modules changed (migration.ts); nothing for code-only. */
  async migrate(): Promise<void> {
    const out = await migrate({
      ctx: await this.context(),
      liveImage: this.state.liveImage,
      pools: this.pools,
      edge: this.edge.admin,
      audit: this.o.audit,
      clock: this.clock,
      docker: this.o.link.docker,
      imageFacts: this.imageFacts,
      emit: this.o.emit,
      log: (l) => this.log('migrating', l),
    });
    this.migrated = out.migrated;
    if (out.backup) this.backup = out.backup;
  }

  /** green_starting up to the workers: network, volume, database, edge, worker context, the history's "running". */
  async prepareTarget(): Promise<void> {
    const e = this.o.env;
    const names = envNames(e.name);
    await this.pools.ensureNetwork();
    await this.pools.ensureVolume(names.dataVolume);
    const db = await this.o.resolveDb();
    const database = new DatabaseOps(this.o.link, this.pools, this.o.audit, this.clock, (l) =>
      this.log('green_starting', l),
    );
    if (e.db === 'managed') await database.ensureManaged(e.name, this.o.images.postgres, db);
    this.ctx = await this.context(db);
    // A first deploy initialises the database, managed or external, only when it holds no Odoo yet;
    // asked before the edge starts, so a database Odoo could not serve stops the deploy first.
    const fresh = this.state.live === null && !(await database.holdsOdoo(this.ctx));
    const how = await this.edge.ensure({
      spec: {
        env: e.name,
        replicas: e.replicas,
        httpPort: e.http_port,
        busPorts: await this.busPorts(),
        hardStopAfterMs: e.drain_timeout,
        healthPath: e.health_path,
        domains: e.domains,
        trustedProxies: e.trusted_proxies,
        timing: this.o.timing.edge,
        ...(this.o.adminGid !== undefined ? { adminGid: this.o.adminGid } : {}),
      },
      image: this.o.images.edge,
      ...(e.public_bind ? { publicBind: e.public_bind } : {}),
    });
    this.log('green_starting', `edge ${how}`);
    // A new edge beside a live pool (someone removed the old one): put the live pool back first.
    if (how === 'created' && this.state.live) await this.edge.admin.setPool(this.state.live, 'ready');
    await this.store.update((s) => recordHistory(s, this.history('running')));
    if (fresh) await database.initialise(this.ctx);
    // Workers cache parameters: the base URL is set before any worker of the new pool starts.
    this.attachmentMark = await database.prepareDatabase(this.ctx);
  }

  /**
   * Each pool's bus port: the target's from the environment's server mode, the live pool's from the
   * mode its workers run (a worker started before Flipdeck passed --workers ran the stock conf: 0).
   */
  private async busPorts(): Promise<Record<Pool, number>> {
    const e = this.o.env;
    const ports = { http: e.http_port, gevent: e.gevent_port };
    const target = busPort(e.workers, ports);
    const live = this.state.live;
    if (!live || live === this.plan.target) return { blue: target, green: target };
    const running = (await this.pools.workers(live))[0];
    const livePort = busPort(running?.workers ?? 0, ports);
    if (livePort !== target)
      throw new StepFailure({ kind: 'refused', why: modeChangeRefusal(running?.workers ?? 0, e.workers) });
    return { [this.plan.target]: target, [live]: livePort } as Record<Pool, number>;
  }

  /** The edge container's address on the environment's network (null when it has none). */
  async edgeAddress(): Promise<string | null> {
    const names = envNames(this.o.env.name);
    const info = await this.o.link.docker
      .getContainer(names.edge)
      .inspect()
      .catch(() => null);
    return info?.NetworkSettings.Networks[names.network]?.IPAddress || null;
  }

  /** Starts `slots` workers of the target pool, health-checked by the edge but out of rotation. */
  async startPool(slots: number): Promise<void> {
    await this.pools.startPool(this.ctx, this.plan.target, slots);
    // Out of rotation but health-checked: the edge's own view of readiness.
    await this.edge.admin.setPool(this.plan.target, 'drain');
    this.log('green_starting', `${this.o.env.replicas} ${this.plan.target} worker(s) started from ${this.image}`);
  }

  /** The workers' context, built once on first use (a rollback builds it only for the cron handover). */
  async context(db?: DbConnection): Promise<WorkerContext> {
    this.ctx ??= {
      env: this.o.env,
      image: this.image,
      deployId: this.o.deployId,
      by: this.o.actor.holder,
      db: db ?? (await this.o.resolveDb()),
      resolvedEnv: await this.o.resolveEnv(),
    };
    return this.ctx;
  }

  /** Saves the new live pool; `keepOld`: the old pool stays for an instant rollback during the keep window. */
  async recordLive(keepOld: boolean): Promise<void> {
    const saved = this.edge.saveState();
    const keepUntil = new Date(this.clock.now() + this.o.env.keep_window).toISOString();
    const previous = this.state.liveImage;
    await this.store.update((s) => ({
      ...s,
      live: this.plan.target,
      liveImage: this.image,
      kept:
        keepOld && this.plan.live && previous
          ? { pool: this.plan.live, image: previous, until: keepUntil, deployId: this.o.deployId }
          : null,
      migratedSinceKept: this.migrated,
    }));
    await saved;
  }

  /** Ends an expired keep window and prunes old images; never fails the deploy. */
  async reap(step: StepId): Promise<void> {
    try {
      const r = await reapExpired(this.o.link, this.o.env.name, this.o.env.replicas, this.o.audit, this.clock.now());
      if (r.removedPool) this.log(step, `the keep window of the ${r.removedPool} pool was over: removed it`);
      if (r.prunedImages.length) this.log(step, `pruned old images: ${r.prunedImages.join(', ')}`);
      if (r.removedPool) this.state = await this.store.read();
    } catch (err) {
      this.notice(`cleaning up old pools and images failed (the deploy goes on): ${(err as Error).message}`);
    }
  }

  logLive(): void {
    this.log(
      'live',
      `${this.plan.target} is live; ${this.plan.live ?? 'no'} pool kept for ${Math.round(this.o.env.keep_window / 1000)} s`,
    );
  }

  private history(outcome: HistoryEntry['outcome'], st?: DeployState): HistoryEntry {
    return historyEntry({
      deployId: this.o.deployId,
      kind: this.o.kind,
      strategy: this.o.env.strategy,
      by: this.o.actor.holder,
      at: this.startedAt,
      ref: this.o.ref ?? this.o.env.ref,
      commit: this.commit,
      image: this.image,
      previousImage: this.state.liveImage,
      pool: this.plan.target,
      outcome,
      state: st,
      migrated: this.migrated,
      backup: this.backup,
      downtimeMs: this.downtimeMs,
    });
  }

  /** The machine's cleanup effects (machine.ts decides which); a strategy adds what only it must undo. */
  async cleanup(e: CleanupEffect, st: DeployState): Promise<void> {
    switch (e.kind) {
      case 'remove_pool':
        await this.edge.admin.setPool(e.pool, 'maint').catch(() => undefined);
        await this.pools.removePool(e.pool, { keepCron: false });
        return;
      case 'restore_edge':
        await this.edge.admin.flip(e.live, otherPool(e.live));
        return;
      case 'release_lock':
        await this.lock.release();
        return;
      case 'record_outcome': {
        const exists = await this.edge.inspect();
        const head = await this.o.auditHead?.().catch(() => null);
        if (exists) {
          await this.store.update((s) => ({
            ...recordHistory(s, this.history(e.outcome, st)),
            ...(head
              ? { auditHeads: { ...s.auditHeads, [this.o.actor.holder]: { ...head, at: new Date().toISOString() } } }
              : {}),
          }));
        }
        return;
      }
      case 'notice':
        this.notice(e.message);
        return;
    }
  }
}
