// The deploy lock lives on the server, so two laptops (or a laptop and CI) cannot deploy one
// environment at once. It is a created-but-never-started container named for the environment:
// Docker names are unique, so creating it is atomic. Holder facts are labels; the heartbeat is a
// small file written into the container through the archive API (no shell, no host path).
import os from 'node:os';
import type Docker from 'dockerode';
import { isDockerStatus as isStatus, readContainerFile, singleFileTar } from '../docker/archive';
import { FlipdeckError } from '../../../shared/errors';
import { LABEL, envNames } from '../core/names';
import { retryTransient } from '../core/server-link';

export interface LockHolder {
  holder: string;
  machine: string;
  pid: number;
  since: string;
  deployId: string;
}

export interface LockInfo extends LockHolder {
  containerId: string;
  heartbeat: string | null;
}

export const STALE_AFTER_MS = 60_000;
export const HEARTBEAT_EVERY_MS = 15_000;

export type LockVerdict = { live: true } | { live: false; why: string };

/** What this machine can tell about a lock's holder. */
export interface Here {
  machine: string;
  pidAlive(pid: number): boolean;
  /** This very process: a lock it left behind (its release was lost with the connection) is stale once its deploy ended. */
  self?: { pid: number; running(deployId: string): boolean };
}

/** Deploys running in this process; a lock of ours whose deploy is not here any more was left by a lost link. */
const RUNNING_HERE = new Set<string>();

export function markRunning(deployId: string, running: boolean): void {
  if (running) RUNNING_HERE.add(deployId);
  else RUNNING_HERE.delete(deployId);
}

export function thisProcess(): Here {
  return {
    machine: os.hostname(),
    pidAlive: (pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'EPERM';
      }
    },
    self: { pid: process.pid, running: (id) => RUNNING_HERE.has(id) },
  };
}

/** A lock is stale when its holder process is gone (same machine) or its heartbeat is over 60 s old. */
export function lockVerdict(lock: LockInfo, now: number, here: Here): LockVerdict {
  if (lock.machine === here.machine && here.self && lock.pid === here.self.pid && !here.self.running(lock.deployId)) {
    return { live: false, why: `its deploy ${lock.deployId} in this process has ended` };
  }
  if (lock.machine === here.machine && !here.pidAlive(lock.pid)) {
    return { live: false, why: `its holder process ${lock.pid} on ${lock.machine} is gone` };
  }
  const beat = Date.parse(lock.heartbeat ?? lock.since);
  if (Number.isNaN(beat)) return { live: false, why: 'it has no readable heartbeat' };
  const age = now - beat;
  if (age > STALE_AFTER_MS) return { live: false, why: `its last heartbeat was ${Math.round(age / 1000)} s ago` };
  return { live: true };
}

const L = {
  holder: 'io.flipdeck.lock.holder',
  machine: 'io.flipdeck.lock.machine',
  pid: 'io.flipdeck.lock.pid',
  since: 'io.flipdeck.lock.since',
  deploy: 'io.flipdeck.lock.deploy',
};

export function heartbeatTar(at: string): Promise<Buffer> {
  return singleFileTar('flipdeck-heartbeat', at);
}

export class DeployLock {
  private timer: NodeJS.Timeout | null = null;
  private containerId: string | null = null;

  constructor(
    private readonly docker: Docker,
    private readonly env: string,
    private readonly image: string,
  ) {}

  get name(): string {
    return envNames(this.env).lock;
  }

  async read(): Promise<LockInfo | null> {
    let info: Docker.ContainerInspectInfo;
    try {
      info = await this.docker.getContainer(this.name).inspect();
    } catch (err) {
      if (isStatus(err, 404)) return null;
      throw err;
    }
    const l = info.Config.Labels ?? {};
    return {
      containerId: info.Id,
      holder: l[L.holder] ?? 'unknown',
      machine: l[L.machine] ?? 'unknown',
      pid: Number(l[L.pid] ?? 0),
      since: l[L.since] ?? info.Created,
      deployId: l[L.deploy] ?? '',
      heartbeat: await this.readHeartbeat(info.Id),
    };
  }

  /** Takes the lock, or throws `refused` naming the holder. Returns a notice when a stale lock was taken over. */
  async acquire(me: LockHolder, here: Here, now = Date.now()): Promise<{ tookOver?: string }> {
    let tookOver: string | undefined;
    const existing = await this.read();
    if (existing) {
      const verdict = lockVerdict(existing, now, here);
      if (verdict.live) {
        throw new FlipdeckError(
          'refused',
          `${this.env} is being deployed by ${existing.holder} (since ${existing.since}, deploy ${existing.deployId})`,
          {
            fix: 'wait for that deploy to finish; if you are sure it is dead, run `flipdeck unlock`',
            detail: { holder: existing.holder, since: existing.since, deployId: existing.deployId },
          },
        );
      }
      // Remove by id: if another takeover already replaced it, this fails and so does our create.
      await this.docker
        .getContainer(existing.containerId)
        .remove({ force: true })
        .catch((err: unknown) => {
          if (!isStatus(err, 404)) throw err;
        });
      tookOver = `took over a stale lock held by ${existing.holder}: ${verdict.why}`;
    }
    try {
      const c = await this.docker.createContainer({
        name: this.name,
        Image: this.image,
        Cmd: ['true'],
        Labels: {
          [LABEL.managed]: 'true',
          [LABEL.environment]: this.env,
          [LABEL.role]: 'lock',
          [L.holder]: me.holder,
          [L.machine]: me.machine,
          [L.pid]: String(me.pid),
          [L.since]: me.since,
          [L.deploy]: me.deployId,
        },
      });
      this.containerId = c.id;
    } catch (err) {
      if (isStatus(err, 409)) {
        const now2 = await this.read();
        throw new FlipdeckError('refused', `${this.env} was locked a moment ago by ${now2?.holder ?? 'someone else'}`, {
          fix: 'try again when their deploy has finished',
        });
      }
      throw err;
    }
    await this.beat();
    this.timer = setInterval(() => void this.beat().catch(() => undefined), HEARTBEAT_EVERY_MS);
    this.timer.unref();
    return tookOver ? { tookOver } : {};
  }

  async beat(at = new Date().toISOString()): Promise<void> {
    if (!this.containerId) return;
    await this.docker.getContainer(this.containerId).putArchive(await heartbeatTar(at), { path: '/' });
  }

  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const id = this.containerId;
    this.containerId = null;
    if (id) await retryTransient(() => this.docker.getContainer(id).remove({ force: true })).catch(() => undefined);
  }

  /** Deliberately breaks whatever lock exists (audited by the caller). */
  async breakLock(): Promise<LockInfo | null> {
    const existing = await this.read();
    if (existing) await this.docker.getContainer(existing.containerId).remove({ force: true });
    return existing;
  }

  private async readHeartbeat(id: string): Promise<string | null> {
    return (await readContainerFile(this.docker, id, '/flipdeck-heartbeat'))?.trim() ?? null;
  }
}
