// One server's health for the fleet view: reachable, Docker, host load and memory, and each
// environment's live pool and last deploy (from the state kept on the server). Bounded in time, so a
// slow server answers "unreachable" in the end instead of holding up the list; the renderer asks
// for every server on its own.
import os from 'node:os';
import { readFile } from 'node:fs/promises';
import type { ServerHealth } from '../../../shared/model';
import { FlipdeckError, toWireError } from '../../../shared/errors';
import { StateStore } from '../../engine/state/state-store';
import type { EnvironmentStore } from '../../store/environments';
import type { InventoryStore } from '../../store/inventory';
import type { ServerSessions } from '../servers/server-sessions';

export const HEALTH_TIMEOUT_MS = 15_000;

/** `/proc/loadavg` and `/proc/meminfo` → load and memory; null when the text is not what Linux prints. */
export function parseProcFacts(loadavg: string, meminfo: string, cpus: number): ServerHealth['host'] | undefined {
  const load1 = Number(loadavg.split(/\s+/)[0]);
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(meminfo)?.[1]);
  const total = kb('MemTotal');
  const available = kb('MemAvailable');
  if (!Number.isFinite(load1) || !Number.isFinite(total) || !Number.isFinite(available)) return undefined;
  return { cpus, load1, memoryTotal: total * 1024, memoryUsed: (total - available) * 1024 };
}

export async function serverHealth(
  d: { sessions: ServerSessions; inventory: InventoryStore; environments: EnvironmentStore },
  serverId: string,
  timeoutMs = HEALTH_TIMEOUT_MS,
): Promise<ServerHealth> {
  const started = Date.now();
  const server = d.inventory.server(serverId);
  const base = {
    server: serverId,
    environments: [] as ServerHealth['environments'],
    checkedAt: new Date().toISOString(),
  };
  // First contact is the user's decision, made where they can read the fingerprint: a background
  // check never connects to a server whose host key is not pinned yet.
  if (server.kind !== 'local' && (!server.hostKey || (server.jump && !server.jump.hostKey))) {
    return { ...base, reachable: false, needsTrust: true, ms: Date.now() - started };
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new FlipdeckError('unreachable', `${server.name} did not answer within ${timeoutMs / 1000} s`, {
            fix: 'check the network and that sshd runs; the rest of the fleet is not held up',
          }),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([
      timeout,
      (async (): Promise<ServerHealth> => {
        const outcome = await d.sessions.connect(serverId);
        if (outcome.kind !== 'connected')
          return { ...base, reachable: true, needsTrust: true, ms: Date.now() - started };
        const docker = await d.sessions.docker(serverId);
        const [info, host, envs] = await Promise.all([
          docker.info() as Promise<{ NCPU?: number }>,
          hostFacts(d.sessions, server.kind, serverId),
          d.environments.list(),
        ]);
        const cpus = info.NCPU ?? 1;
        const environments = await Promise.all(
          envs
            .filter((e) => e.server === server.name)
            .map(async (e) => {
              const st = await new StateStore(docker, e.name).read().catch(() => null);
              const last = st?.history[0];
              return {
                name: e.name,
                live: st?.live ?? null,
                kept: !!st?.kept && Date.parse(st.kept.until) > Date.now(),
                lastDeploy: last ? { at: last.at, kind: last.kind, outcome: last.outcome, by: last.by } : null,
              };
            }),
        );
        return {
          ...base,
          reachable: true,
          docker: { version: outcome.docker.version, supported: outcome.docker.supported },
          ...(host ? { host: { ...host, cpus: host.cpus || cpus } } : {}),
          environments,
          ms: Date.now() - started,
        };
      })(),
    ]);
  } catch (err) {
    const wire = toWireError(err);
    return {
      ...base,
      reachable: false,
      error: { code: wire.code, message: wire.message, ...(wire.fix ? { fix: wire.fix } : {}) },
      ms: Date.now() - started,
    };
  } finally {
    clearTimeout(timer);
  }
}

async function hostFacts(sessions: ServerSessions, kind: string, serverId: string): Promise<ServerHealth['host']> {
  if (kind === 'local') {
    const [loadavg, meminfo] = await Promise.all([
      readFile('/proc/loadavg', 'utf8').catch(() => ''),
      readFile('/proc/meminfo', 'utf8').catch(() => ''),
    ]);
    return (
      parseProcFacts(loadavg, meminfo, os.cpus().length) ?? {
        cpus: os.cpus().length,
        load1: os.loadavg()[0] ?? 0,
        memoryTotal: os.totalmem(),
        memoryUsed: os.totalmem() - os.freemem(),
      }
    );
  }
  // One fixed command, no user text: two files every Linux has.
  const r = await (await sessions.ssh(serverId)).exec(['cat', '/proc/loadavg', '/proc/meminfo'], { timeoutMs: 5000 });
  if (r.exitCode !== 0) return undefined;
  const [loadavg = '', ...rest] = r.stdout.split('\n');
  return parseProcFacts(loadavg, rest.join('\n'), 0);
}
