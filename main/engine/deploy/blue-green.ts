// A blue-green deploy (and a rollback within the keep window) of one environment on one server.
// The steps do the I/O; driver.ts and machine.ts decide what runs next and what a failure undoes.
import type { DeployProgress, Pool, StepId } from '../../../shared/deploy';
import { otherPool } from '../../../shared/deploy';
import { FlipdeckError } from '../../../shared/errors';
import type { Environment } from '../../../shared/environment';
import type { DbConnection, WorkerContext } from '../odoo/container-specs';
import { envNames } from '../core/names';
import type { EdgeTiming } from '../proxy/haproxy-config';
import { odooWorkerProbe } from '../odoo/worker-probe';
import { StateStore } from '../state/state-store';
import { recordHistory, type HistoryEntry, type ServerState } from '../state/server-state';
import { buildStep } from './build-step';
import { DatabaseOps } from './database-ops';
import { reapExpired } from './reaper';
import { reconcileWithEdge } from './reconcile';
import { drive, type DeployResult } from './driver';
import { EdgeOps } from './edge-ops';
import { DeployLock, markRunning, type Here, type LockHolder } from '../state/lock';
import { deployPlan, rollbackPlan, type DeployState, type Effect, type Plan } from './machine';
import { PoolOps, type WorkerInfo } from './pool-ops';
import { waitUntilReady, type ReadinessTiming } from '../odoo/readiness';
import { realClock, type Clock } from '../core/clock';
import { audited, retryTransient, type AuditSink, type ServerLink } from '../core/server-link';
import { StepFailure } from './step-failure';
import { migrate } from './migration';
import { historyEntry } from './history-entry';
import { edgeSeesUp, waitEdgeUp } from './edge-readiness';

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

export class BlueGreenDeploy {
  private readonly pools: PoolOps;
  private readonly edge: EdgeOps;
  private readonly store: StateStore;
  private readonly lock: DeployLock;
  private readonly clock: Clock;
  private state!: ServerState;
  private plan!: Plan;
  private image = '';
  private ctx!: WorkerContext;
  private startedAt = '';
  /** The restart strategy: when the old pool went out of rotation, and the measured outage. */
  private downtimeFrom: number | null = null;
  private downtimeMs: number | undefined;
  /** The edge's frontend counters when the flip started: the summary's requests served and failed. */
  private countersAtFlip: { requests: number; http5xx: number } | null = null;
  /** The commit a git source resolved to, for the history. */
  private commit: string | undefined;
  /** This deploy updated modules in the database (the kept pool then runs on a migrated schema). */
  private migrated = false;
  private backup: string | undefined;

  constructor(private readonly o: DeployOptions) {
    const docker = o.link.docker;
    this.pools = new PoolOps(docker, o.env.name, o.audit);
    this.edge = new EdgeOps(o.link, o.env.name, o.env.replicas, o.audit);
    this.store = new StateStore(docker, o.env.name);
    this.lock = new DeployLock(docker, o.env.name, o.images.edge);
    this.clock = o.clock ?? realClock;
  }

  /** Runs the whole deploy or rollback. Never throws for a step failure: the result names it. */
  async run(signal?: AbortSignal): Promise<DeployResult> {
    this.startedAt = new Date().toISOString();
    markRunning(this.o.deployId, true);
    try {
      this.state = await reconcileWithEdge(await this.store.read(), {
        edge: this.edge, pools: this.pools, store: this.store, keepWindowMs: this.o.env.keep_window, now: this.clock.now(),
        notice: (message) => this.o.emit({ kind: 'notice', deploy: this.o.deployId, message }),
      });
      this.plan = this.o.kind === 'rollback' ? this.rollback() : deployPlan(this.state.live);
      // A rollback skips preflight, but must not race a deploy either: it takes the lock up front.
      if (this.o.kind === 'rollback') await this.takeLock();
      return await drive(this.o.deployId, this.plan, {
        runStep: (step, s) => this.step(step, s),
        effect: (e, st) => this.effect(e, st),
        emit: this.o.emit,
        now: () => this.clock.now(),
      }, signal);
    } finally {
      // Even when the release was lost with the connection: our lock is stale from now on.
      markRunning(this.o.deployId, false);
    }
  }

  private async takeLock(): Promise<void> {
    const took = await this.lock.acquire(this.o.actor, this.o.here, this.clock.now());
    if (took.tookOver) this.o.emit({ kind: 'notice', deploy: this.o.deployId, message: took.tookOver });
  }

  private rollback(): Plan {
    const s = this.state;
    if (!s.live || !s.kept || s.kept.pool === s.live) throw new FlipdeckError('refused', `${this.o.env.name} has no kept pool to roll back to`, { fix: 'after the keep window, roll back by deploying the previous image' });
    if (Date.parse(s.kept.until) <= this.clock.now()) throw new FlipdeckError('refused', `the keep window of ${this.o.env.name} ended at ${s.kept.until}`, { fix: 'roll back by redeploying the previous image (flipdeck rollback does this for you)' });
    this.image = s.kept.image;
    return rollbackPlan(s.live, s.kept.pool);
  }

  private async step(step: StepId, signal: AbortSignal): Promise<void> {
    switch (step) {
      case 'preflight': return this.preflight();
      case 'build': return this.build(signal);
      case 'migrating': return this.migrateStep();
      case 'green_starting': return this.startTarget();
      case 'green_ready':
        await this.waitReady(signal, this.rolling ? 1 : undefined);
        // The confirm belongs before the flip: a cancel here still removes green and leaves blue alone.
        if (this.o.confirmFlip) await this.o.confirmFlip();
        // Read here, not in the flip step, so nothing stands between the flip step and the edge command.
        this.countersAtFlip = await this.edge.admin.totals().catch(() => null);
        return;
      case 'flipping':
        return this.flip();
      case 'draining': return this.drain();
      case 'live': return this.finish();
    }
  }

  private log(step: StepId, line: string): void {
    this.o.emit({ kind: 'log', deploy: this.o.deployId, step, line });
  }

  private async preflight(): Promise<void> {
    const [v, edgeImage] = await Promise.all([this.o.link.docker.version(), this.pools.imageExists(this.o.images.edge)]);
    if (Number(v.ApiVersion) < 1.41) throw new StepFailure({ kind: 'refused', why: `Docker Engine ${v.Version} (API ${v.ApiVersion}) is too old; Flipdeck needs API 1.41 (Docker 20.10) or newer` });
    this.log('preflight', `Docker ${v.Version} (API ${v.ApiVersion})`);
    if (!edgeImage) throw new StepFailure({ kind: 'refused', why: `the edge image ${this.o.images.edge} is not on the server` });
    await this.takeLock();
    if (this.o.env.strategy === 'restart' && this.plan.live) {
      this.o.emit({ kind: 'notice', deploy: this.o.deployId, message: 'strategy restart: the environment is down from stopping the old workers until the new ones answer (the outage is measured and reported)' });
    }
    this.log('preflight', `lock taken by ${this.o.actor.holder}`);
  }

  private async build(signal: AbortSignal): Promise<void> {
    const built = await buildStep({
      env: this.o.env, deployId: this.o.deployId, link: this.o.link, audit: this.o.audit, pools: this.pools, signal,
      log: (l) => this.log('build', l), warn: (message) => this.o.emit({ kind: 'notice', deploy: this.o.deployId, message }), ...(this.o.image ? { image: this.o.image } : {}), ...(this.o.ref ? { ref: this.o.ref } : {}),
    });
    this.image = built.image;
    if (built.commit) this.commit = built.commit;
  }

  private async startTarget(): Promise<void> {
    const e = this.o.env;
    const names = envNames(e.name);
    await this.pools.ensureNetwork();
    await this.pools.ensureVolume(names.dataVolume);
    const db = await this.o.resolveDb();
    const database = new DatabaseOps(this.o.link, this.pools, this.o.audit, this.clock, (l) => this.log('green_starting', l));
    if (e.db === 'managed') await database.ensureManaged(e.name, this.o.images.postgres, db);
    const how = await this.edge.ensure({
      spec: { env: e.name, replicas: e.replicas, httpPort: e.http_port, geventPort: e.gevent_port, healthPath: e.health_path, domains: e.domains, timing: this.o.timing.edge, ...(this.o.adminGid !== undefined ? { adminGid: this.o.adminGid } : {}) },
      image: this.o.images.edge,
      ...(e.public_bind ? { publicBind: e.public_bind } : {}),
    });
    this.log('green_starting', `edge ${how}`);
    // A new edge beside a live pool (someone removed the old one): put the live pool back first.
    if (how === 'created' && this.state.live) await this.edge.admin.setPool(this.state.live, 'ready');
    this.ctx = await this.context(db);
    await this.store.update((s) => recordHistory(s, this.history('running')));
    // A first deploy initialises the database, managed or external, only when it holds no Odoo yet.
    if (this.state.live === null && !(await database.holdsOdoo(this.ctx))) await database.initialise(this.ctx);
    const live = this.plan.live;
    if (live && e.strategy === 'restart') {
      this.downtimeFrom = this.clock.now();
      await this.edge.admin.setPool(live, 'maint');
      await this.pools.stopPool(live, this.o.timing.cronGraceSeconds);
      this.log('green_starting', `restart strategy: the ${live} pool is stopped (kept until the new pool is live)`);
    }
    // Rolling starts one new worker first; the others come up one at a time during the flip.
    await this.pools.startPool(this.ctx, this.plan.target, live && e.strategy === 'rolling' ? 1 : e.replicas);
    // Out of rotation but health-checked: the edge's own view of readiness.
    await this.edge.admin.setPool(this.plan.target, 'drain');
    this.log('green_starting', `${e.replicas} ${this.plan.target} worker(s) started from ${this.image}`);
  }

  private async context(db?: DbConnection): Promise<WorkerContext> {
    this.ctx ??= { env: this.o.env, image: this.image, deployId: this.o.deployId, by: this.o.actor.holder, db: db ?? await this.o.resolveDb(), resolvedEnv: await this.o.resolveEnv() };
    return this.ctx;
  }

  /** Backup, rehearsal and module update when modules changed (migration.ts); nothing for code-only. */
  private async migrateStep(): Promise<void> {
    const out = await migrate({
      ctx: await this.context(), liveImage: this.state.liveImage, pools: this.pools, edge: this.edge.admin, audit: this.o.audit, clock: this.clock,
      docker: this.o.link.docker, emit: this.o.emit, log: (l) => this.log('migrating', l),
    });
    this.migrated = out.migrated;
    if (out.backup) this.backup = out.backup;
  }

  /** Waits for the target pool (or one slot of it, rolling) to answer, then for the edge to see it UP. */
  private async waitReady(signal: AbortSignal, slot?: number): Promise<void> {
    const pool = this.plan.target;
    const e = this.o.env;
    const host = e.domains[0] ?? 'localhost';
    const only = slot === undefined ? null : envNames(e.name).worker(pool, slot);
    const workers = (await this.pools.workers(pool)).filter((w) => only === null || w.name === only);
    if (workers.length === 0) throw new StepFailure({ kind: 'error', message: `no ${pool} workers exist` });
    if (this.o.kind === 'rollback') {
      this.pools.requireRunning(workers, pool);
      // The kept pool stayed health-checked (drain, not maint): when the edge sees every worker UP,
      // that is the check; probing each worker again would only delay an emergency rollback.
      if (await edgeSeesUp(this.edge.admin, pool, this.o.env.replicas)) {
        this.log('green_ready', `the edge sees every ${pool} worker UP`);
        return;
      }
    }
    const probes = workers.map((w) => odooWorkerProbe({ worker: w.name, hostHeader: host, open: () => this.openWorker(w, e.http_port) }));
    const ctrl = new AbortController();
    signal.addEventListener('abort', () => ctrl.abort(), { once: true });
    const died = this.watchForDeath(pool, ctrl.signal);
    const ready = waitUntilReady(probes, { ...this.o.timing.readiness, timeoutMs: e.ready_timeout }, this.clock, (r) => this.o.emit({ kind: 'probe', deploy: this.o.deployId, result: r }), ctrl.signal);
    const outcome = await Promise.race([ready, died]);
    ctrl.abort();
    if (outcome && 'dead' in outcome) {
      const w = outcome.worker;
      throw new StepFailure({ kind: 'command', argv: ['docker', 'start', w.name], exitCode: w.exitCode, stderr: `${w.name} crashed (exit code ${w.exitCode}) while starting:\n${await this.pools.tail(w.name)}` });
    }
    if (!outcome.ready) throw new StepFailure({ kind: 'timeout', waitedMs: outcome.waitedMs, lastProbes: outcome.lastProbes });
    await waitEdgeUp(this.edge.admin, this.clock, { env: this.o.env.name, pool, checkIntervalMs: this.o.timing.edge.checkIntervalMs, ...(slot !== undefined ? { slot } : {}) });
  }

  private async openWorker(w: WorkerInfo, port: number) {
    const fresh = w.ip ? w : (await this.pools.workers(w.pool)).find((x) => x.name === w.name);
    if (!fresh?.ip) throw Object.assign(new Error(`${w.name} has no address yet`), { code: 'ENOADDR' });
    w.ip = fresh.ip;
    return this.o.link.forwardTcp(fresh.ip, port);
  }

  private async watchForDeath(pool: Pool, signal: AbortSignal): Promise<{ dead: true; worker: WorkerInfo } | never> {
    while (!signal.aborted) {
      await this.clock.sleep(Math.max(200, this.o.timing.readiness.intervalMs), signal);
      if (signal.aborted) break;
      const dead = (await this.pools.workers(pool).catch(() => [])).find((w) => w.crashed);
      if (dead) return { dead: true, worker: dead };
    }
    return new Promise(() => undefined);
  }

  private async flip(): Promise<void> {
    const started = this.clock.now();
    if (this.rolling) await this.rollingFlip();
    else await audited(this.o.audit, 'edge.flip', ['haproxy', 'set server', `${this.plan.target}=ready`, `${this.plan.live ?? 'none'}=drain`], () => this.edge.admin.flip(this.plan.target, this.plan.live));
    const commandMs = this.clock.now() - started;
    this.o.emit({ kind: 'flipped', deploy: this.o.deployId, to: this.plan.target, commandMs });
    this.log('flipping', `traffic now goes to ${this.plan.target} (${commandMs} ms)`);
    if (this.downtimeFrom !== null) {
      this.downtimeMs = this.clock.now() - this.downtimeFrom;
      this.o.emit({ kind: 'notice', deploy: this.o.deployId, message: `restart strategy: the environment was down for ${(this.downtimeMs / 1000).toFixed(1)} s` });
    }
    // Only blue-green keeps the old pool running for an instant rollback.
    const keeps = this.o.kind === 'rollback' || this.o.env.strategy === 'blue-green';
    const saved = this.edge.saveState();
    const keepUntil = new Date(this.clock.now() + this.o.env.keep_window).toISOString();
    const previous = this.state.liveImage;
    await this.store.update((s) => ({
      ...s,
      live: this.plan.target,
      liveImage: this.image,
      kept: keeps && this.plan.live && previous ? { pool: this.plan.live, image: previous, until: keepUntil, deployId: this.o.deployId } : null,
      migratedSinceKept: this.migrated,
    }));
    await saved;
  }

  /** A rolling deploy over a live pool (a first deploy has nothing to roll over). */
  private get rolling(): boolean {
    return this.o.kind === 'deploy' && this.o.env.strategy === 'rolling' && this.plan.live !== null;
  }

  /** One slot at a time: start the new worker (slot 1 already runs), wait until it answers, swap the slot. */
  private async rollingFlip(): Promise<void> {
    const { target, live } = this.plan;
    for (let i = 1; i <= this.o.env.replicas; i++) {
      if (i > 1) {
        await this.pools.startWorker(this.ctx, target, i);
        await this.edge.admin.setSlot(target, i, 'drain');
        await this.waitReady(new AbortController().signal, i);
      }
      await audited(this.o.audit, 'edge.flip', ['haproxy', 'set server', `${target}-${i}=ready`, `${live}-${i}=drain`], () => this.edge.admin.flipSlot(target, live, i));
      this.log('flipping', `slot ${i}/${this.o.env.replicas}: ${target}-${i} in, ${live}-${i} draining`);
    }
  }

  private async drain(): Promise<void> {
    const old = this.plan.live;
    if (old) {
      const deadline = this.clock.now() + this.o.env.drain_timeout;
      for (;;) {
        const sessions = await retryTransient(() => this.edge.admin.sessions(old));
        this.o.emit({ kind: 'drain', deploy: this.o.deployId, sessions, deadline });
        if (Object.values(sessions).every((n) => n === 0)) break;
        if (this.clock.now() >= deadline) {
          await audited(this.o.audit, 'edge.cut', ['haproxy', 'shutdown sessions', old], () => this.edge.admin.cut(old));
          this.log('draining', `drain timeout: cut what was left on ${old} (websockets reconnect to ${this.plan.target})`);
          break;
        }
        await this.clock.sleep(this.o.timing.drainPollMs);
      }
    }
    const after = this.countersAtFlip ? await this.edge.admin.totals().catch(() => null) : null;
    if (after && this.countersAtFlip) {
      this.o.emit({ kind: 'counters', deploy: this.o.deployId, requests: after.requests - this.countersAtFlip.requests, failed: after.http5xx - this.countersAtFlip.http5xx });
    }
    if (old && this.o.kind === 'deploy' && this.o.env.strategy !== 'blue-green') await this.pools.removePool(old, { keepCron: true, graceSeconds: this.o.timing.cronGraceSeconds });
    // Cron handover: never two runners. Stop the old one (bounded wait for jobs), then start the new.
    await this.pools.stopCron(otherPool(this.plan.target), this.o.timing.cronGraceSeconds);
    await this.pools.startCron(await this.context(), this.plan.target);
  }

  /** Ends an expired keep window and prunes old images; never fails the deploy. */
  private async reap(step: StepId): Promise<void> {
    try {
      const r = await reapExpired(this.o.link, this.o.env.name, this.o.env.replicas, this.o.audit, this.clock.now());
      if (r.removedPool) this.log(step, `the keep window of the ${r.removedPool} pool was over: removed it`);
      if (r.prunedImages.length) this.log(step, `pruned old images: ${r.prunedImages.join(', ')}`);
      if (r.removedPool) this.state = await this.store.read();
    } catch (err) {
      this.o.emit({ kind: 'notice', deploy: this.o.deployId, message: `cleaning up old pools and images failed (the deploy goes on): ${(err as Error).message}` });
    }
  }

  private async finish(): Promise<void> {
    if (this.o.kind === 'deploy') await this.reap('live'); // a rollback built nothing to prune
    this.log('live', `${this.plan.target} is live; ${this.plan.live ?? 'no'} pool kept for ${Math.round(this.o.env.keep_window / 1000)} s`);
  }

  private history(outcome: HistoryEntry['outcome'], st?: DeployState): HistoryEntry {
    return historyEntry({
      deployId: this.o.deployId, kind: this.o.kind, strategy: this.o.env.strategy, by: this.o.actor.holder, at: this.startedAt, ref: this.o.ref ?? this.o.env.ref,
      commit: this.commit, image: this.image, previousImage: this.state.liveImage, pool: this.plan.target, outcome, state: st, migrated: this.migrated, backup: this.backup, downtimeMs: this.downtimeMs,
    });
  }

  private async effect(e: Exclude<Effect, { kind: 'run_step' }>, st: DeployState): Promise<void> {
    switch (e.kind) {
      case 'remove_pool':
        await this.edge.admin.setPool(e.pool, 'maint').catch(() => undefined);
        await this.pools.removePool(e.pool, { keepCron: false });
        if (this.downtimeFrom !== null && this.plan.live) {
          // Restart strategy: the old pool was stopped, not removed; bring it back.
          await this.pools.restartStopped(this.plan.live);
          await this.edge.admin.setPool(this.plan.live, 'ready');
        }
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
            ...(head ? { auditHeads: { ...s.auditHeads, [this.o.actor.holder]: { ...head, at: new Date().toISOString() } } } : {}),
          }));
        }
        return;
      }
      case 'notice':
        this.o.emit({ kind: 'notice', deploy: this.o.deployId, message: e.message });
        return;
    }
  }
}
