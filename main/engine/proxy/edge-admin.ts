// A client for one edge's admin socket. The transport is injected: over SSH it is a stream-local
// forward to the socket on the server; in tests against a local daemon, a plain unix socket.
// One command batch per connection (HAProxy's non-interactive mode), so nothing is left half-read.
import type { Duplex } from 'node:stream';
import type { Pool } from '../../../shared/deploy';
import { FlipdeckError } from '../../../shared/errors';
import {
  assertCommandOk,
  batch,
  frontendTotals,
  livePoolFrom,
  parseShowStat,
  poolStateCommands,
  shutdownSessions,
  type AdminState,
  type ServerStat,
} from './runtime-api';
import { BACKENDS, MAINTENANCE } from './haproxy-config';
import { ADMIN_SOCKET, envNames } from '../core/names';
import type { ServerLink } from '../core/server-link';

export type OpenAdminSocket = () => Promise<Duplex>;

export interface EdgeAdminOptions {
  open: OpenAdminSocket;
  env: string;
  replicas: number;
  timeoutMs?: number;
}

export class EdgeAdmin {
  constructor(private readonly opts: EdgeAdminOptions) {}

  async run(commands: string[]): Promise<string> {
    const payload = batch(commands);
    const stream = await this.opts.open();
    const timeoutMs = this.opts.timeoutMs ?? 10_000;
    const answer = await new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => {
        stream.destroy();
        reject(
          new FlipdeckError(
            'unreachable',
            `the edge's admin socket did not answer "${commands[0]}" within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      stream.on('data', (c: Buffer) => chunks.push(c));
      // ssh2 channels emit close only after both sides end.
      stream.on('end', () => stream.end());
      stream.on('close', () => {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks).toString('utf8'));
      });
      stream.on('error', (err: Error) => {
        clearTimeout(timer);
        reject(new FlipdeckError('unreachable', `the edge's admin socket failed: ${err.message}`, { cause: err }));
      });
      stream.write(payload);
    });
    for (const c of commands) if (!c.startsWith('show')) assertCommandOk(c, answer);
    return answer;
  }

  servers(pool: Pool): string[] {
    const names = envNames(this.opts.env);
    return Array.from({ length: this.opts.replicas }, (_, i) => names.edgeServer(pool, i + 1));
  }

  async stats(): Promise<ServerStat[]> {
    return parseShowStat(await this.run(['show stat']));
  }

  async totals(): Promise<{ requests: number; http5xx: number }> {
    return frontendTotals(await this.run(['show stat']));
  }

  async livePool(): Promise<Pool | null> {
    return livePoolFrom(await this.stats());
  }

  async setPool(pool: Pool, state: AdminState): Promise<void> {
    await this.run(poolStateCommands(this.servers(pool), state));
  }

  /**
   * The flip: the new pool takes new requests and the old one drains, in ONE batch so there is no
   * moment with both or neither in rotation. The old pool stays health-checked (drain, not maint).
   */
  async flip(to: Pool, from: Pool | null): Promise<void> {
    const cmds = poolStateCommands(this.servers(to), 'ready');
    if (from) cmds.push(...poolStateCommands(this.servers(from), 'drain'));
    await this.run(cmds);
  }

  async setSlot(pool: Pool, index: number, state: AdminState): Promise<void> {
    await this.run(poolStateCommands([envNames(this.opts.env).edgeServer(pool, index)], state));
  }

  /** Rolling: one slot of the new pool in, the same slot of the old pool draining, in one batch. */
  async flipSlot(to: Pool, from: Pool | null, index: number): Promise<void> {
    const names = envNames(this.opts.env);
    const cmds = poolStateCommands([names.edgeServer(to, index)], 'ready');
    if (from) cmds.push(...poolStateCommands([names.edgeServer(from, index)], 'drain'));
    await this.run(cmds);
  }

  /** In-flight sessions per worker of a pool, both backends added (websockets count). */
  async sessions(pool: Pool): Promise<Record<string, number>> {
    const mine = new Set(this.servers(pool));
    const out: Record<string, number> = {};
    for (const s of await this.stats()) {
      if (!mine.has(s.server)) continue;
      out[s.server] = (out[s.server] ?? 0) + s.sessions;
    }
    return out;
  }

  /** At the drain timeout: cut what is left (long websockets; clients reconnect to the live pool). */
  async cut(pool: Pool): Promise<void> {
    const cmds = Object.values(BACKENDS).flatMap((b) => this.servers(pool).map((s) => shutdownSessions(b, s)));
    await this.run(cmds);
  }

  /** The edge's own health view of a pool: UP only when every worker's check passes. */
  async poolHealth(pool: Pool): Promise<Record<string, string>> {
    const mine = new Set(this.servers(pool));
    const out: Record<string, string> = {};
    for (const s of await this.stats()) if (s.backend === BACKENDS.http && mine.has(s.server)) out[s.server] = s.status;
    return out;
  }

  /** The short cutover: every request gets the maintenance page (503 + Retry-After) while on. */
  async maintenance(on: boolean): Promise<void> {
    await this.run([`set server ${MAINTENANCE.backend}/${MAINTENANCE.server} state ${on ? 'ready' : 'maint'}`]);
  }

  /** `show servers state`, to persist so a restarted edge comes back with the same live pool. */
  async serversState(): Promise<string> {
    return this.run(['show servers state']);
  }
}

/** The admin client of an environment's edge, over the server link (its socket's directory is bind-mounted on the server). */
export function edgeAdminFor(link: Pick<ServerLink, 'openUnixSocket'>, env: string, replicas: number): EdgeAdmin {
  return new EdgeAdmin({
    env,
    replicas,
    open: () => link.openUnixSocket(`${envNames(env).edgeRunDir}/${ADMIN_SOCKET}`),
  });
}
