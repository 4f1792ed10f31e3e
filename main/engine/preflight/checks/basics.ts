// The server basics every deploy needs, as pure checks over facts read once: the link, Docker's
// version, free disk, the edge, the public port, the deploy lock. The deploy's own pre-flight step
// uses the same Docker version rule, so the two can never disagree.
import type { PreflightCheck } from '../../../../shared/deploy';
import type { PreflightServer } from '../target';

/** Docker API 1.41 (Engine 20.10) is the oldest Flipdeck drives. */
export const MIN_DOCKER_API = 1.41;

export function dockerVersionCheck(v: { Version: string; ApiVersion: string }): PreflightCheck {
  return Number(v.ApiVersion) >= MIN_DOCKER_API
    ? { id: 'docker_version', status: 'pass', message: `Docker ${v.Version} (API ${v.ApiVersion})` }
    : {
        id: 'docker_version',
        status: 'fail',
        message: `Docker Engine ${v.Version} (API ${v.ApiVersion}) is too old; Flipdeck needs API ${MIN_DOCKER_API} (Docker 20.10) or newer`,
        fix: 'upgrade Docker Engine to 20.10 or newer',
      };
}

export function linkCheck(server: PreflightServer): PreflightCheck {
  return {
    id: 'ssh',
    status: 'pass',
    message:
      server.kind === 'local'
        ? 'this computer (no SSH)'
        : `SSH to ${server.user}@${server.host}:${server.port} works, host key pinned`,
  };
}

const GiB = 1024 ** 3;

/** A build and a second pool need room: under 1 GiB free fails, under 5 GiB warns. */
export function diskCheck(
  root: string,
  freeBytes: number | null,
  failBelow = GiB,
  warnBelow = 5 * GiB,
): PreflightCheck {
  if (freeBytes === null)
    return {
      id: 'disk',
      status: 'warn',
      message: `could not read the free space under ${root}`,
      fix: 'check `df -h` on the server',
    };
  const gib = (freeBytes / GiB).toFixed(1);
  if (freeBytes < failBelow)
    return {
      id: 'disk',
      status: 'fail',
      message: `only ${gib} GiB free under ${root}: the build and the new pool need room`,
      fix: 'free space (e.g. `docker system prune` of unused images) or grow the disk',
    };
  if (freeBytes < warnBelow)
    return {
      id: 'disk',
      status: 'warn',
      message: `${gib} GiB free under ${root}: enough for now, tight for the next builds`,
      fix: 'plan to free space or grow the disk',
    };
  return { id: 'disk', status: 'pass', message: `${gib} GiB free under ${root}` };
}

export interface EdgeFacts {
  /** null: no edge container yet. */
  edge: { running: boolean; answers: boolean } | null;
  publicBind: string | undefined;
  /** Another container already publishing the public port (only asked before the first deploy). */
  portTakenBy: string | null;
}

export function edgeChecks(f: EdgeFacts): PreflightCheck[] {
  if (!f.edge) {
    const out: PreflightCheck[] = [{ id: 'edge', status: 'pass', message: 'no edge yet: the first deploy creates it' }];
    if (f.publicBind) {
      out.push(
        f.portTakenBy
          ? {
              id: 'port',
              status: 'fail',
              message: `${f.publicBind} is already published by ${f.portTakenBy}`,
              fix: 'choose another public_bind, or stop that container',
            }
          : { id: 'port', status: 'pass', message: `${f.publicBind} is free for the edge` },
      );
    }
    return out;
  }
  return [
    f.edge.running && f.edge.answers
      ? { id: 'edge', status: 'pass', message: 'the edge is running and its admin socket answers' }
      : {
          id: 'edge',
          status: 'fail',
          message: 'the edge exists but does not answer',
          fix: 'check `docker logs` of the edge container',
        },
    { id: 'port', status: 'pass', message: `${f.publicBind ?? 'the port'} belongs to this environment's edge` },
  ];
}

export interface LockFacts {
  holder: string;
  since: string;
  live: boolean;
}

export function lockCheck(lock: LockFacts | null): PreflightCheck {
  if (!lock) return { id: 'lock', status: 'pass', message: 'no deploy in progress' };
  return lock.live
    ? {
        id: 'lock',
        status: 'fail',
        message: `${lock.holder} is deploying (since ${lock.since})`,
        fix: 'wait, or `flipdeck unlock` if that deploy is dead',
      }
    : { id: 'lock', status: 'warn', message: `a stale lock of ${lock.holder} will be taken over` };
}
