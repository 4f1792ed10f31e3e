// HAProxy's runtime API: commands are built here from validated names only (the socket speaks a
// line protocol, so a newline in a name would be a second command), and answers are parsed here.
import type { Pool } from '../../../shared/deploy';
import { FlipdeckError } from '../../../shared/errors';
import { BACKENDS, POOLS } from './haproxy-config';

export type AdminState = 'ready' | 'drain' | 'maint';

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

function checkName(kind: string, name: string): string {
  if (!NAME.test(name))
    throw new FlipdeckError('bad_input', `invalid HAProxy ${kind} name ${JSON.stringify(name.slice(0, 80))}`);
  return name;
}

export function setServerState(backend: string, server: string, state: AdminState): string {
  return `set server ${checkName('backend', backend)}/${checkName('server', server)} state ${state}`;
}

export function shutdownSessions(backend: string, server: string): string {
  return `shutdown sessions server ${checkName('backend', backend)}/${checkName('server', server)}`;
}

/** Commands that put every worker slot of `pool` into `state`, in both backends (HTTP and websocket). */
export function poolStateCommands(servers: string[], state: AdminState): string[] {
  return Object.values(BACKENDS).flatMap((backend) => servers.map((s) => setServerState(backend, s, state)));
}

/** Several commands in one round trip: the runtime API runs `;`-separated commands in order. */
export function batch(commands: string[]): string {
  for (const c of commands)
    if (/[;\n\r]/.test(c)) throw new FlipdeckError('bad_input', 'a runtime command may not contain ; or a newline');
  return commands.join(';') + '\n';
}

export interface ServerStat {
  backend: string;
  server: string;
  /** Current sessions (requests and websockets in flight). */
  sessions: number;
  /** UP, DOWN, DRAIN, MAINT, "MAINT (resolution)", "no check"… as HAProxy prints it. */
  status: string;
  /** Health as the last check saw it, independent of admin state. */
  checkStatus: string;
  /** Total sessions served so far: the edge's own request counter for the deploy summary. */
  total: number;
  /** Responses by class, for failed-request counts. */
  http5xx: number;
  weight: number;
  /** Connection errors and retries the edge saw on this server. */
  errors: number;
}

/** Parses `show stat` CSV (`# pxname,svname,…`), keeping server rows only. */
export function parseShowStat(csv: string): ServerStat[] {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  const header = lines[0];
  if (!header?.startsWith('# '))
    throw new FlipdeckError('internal', `unexpected answer to "show stat": ${csv.slice(0, 200)}`);
  const cols = header.slice(2).split(',');
  const idx = (name: string) => cols.indexOf(name);
  const at = {
    px: idx('pxname'),
    sv: idx('svname'),
    scur: idx('scur'),
    status: idx('status'),
    check: idx('check_status'),
    stot: idx('stot'),
    h5: idx('hrsp_5xx'),
    weight: idx('weight'),
    econ: idx('econ'),
    eresp: idx('eresp'),
  };
  const out: ServerStat[] = [];
  for (const line of lines.slice(1)) {
    const f = line.split(',');
    const server = f[at.sv] ?? '';
    if (server === 'FRONTEND' || server === 'BACKEND' || server === '') continue;
    const num = (i: number) => Number(f[i] ?? 0) || 0;
    out.push({
      backend: f[at.px] ?? '',
      server,
      sessions: num(at.scur),
      status: f[at.status] ?? '',
      checkStatus: f[at.check] ?? '',
      total: num(at.stot),
      http5xx: num(at.h5),
      weight: num(at.weight),
      errors: num(at.econ) + num(at.eresp),
    });
  }
  return out;
}

/** Totals of the frontend, for "requests served during the flip". */
export function frontendTotals(csv: string): { requests: number; http5xx: number } {
  const lines = csv.split('\n');
  const cols = (lines[0] ?? '').replace(/^# /, '').split(',');
  for (const line of lines.slice(1)) {
    const f = line.split(',');
    if (f[cols.indexOf('svname')] === 'FRONTEND' && f[cols.indexOf('pxname')] === 'web') {
      return { requests: Number(f[cols.indexOf('req_tot')]) || 0, http5xx: Number(f[cols.indexOf('hrsp_5xx')]) || 0 };
    }
  }
  return { requests: 0, http5xx: 0 };
}

export function poolOf(server: string): Pool | null {
  const p = server.split('-')[0];
  return POOLS.find((x) => x === p) ?? null;
}

/** The pool in rotation as the edge sees it: the one whose HTTP servers are neither drained nor in maintenance. */
export function livePoolFrom(stats: ServerStat[]): Pool | null {
  const live = new Set<Pool>();
  for (const s of stats) {
    if (s.backend !== BACKENDS.http) continue;
    const pool = poolOf(s.server);
    if (pool && !/MAINT|DRAIN/.test(s.status)) live.add(pool);
  }
  return live.size === 1 ? [...live][0]! : null;
}

/** Errors the runtime API reports in-band, as text, with a successful socket exchange. */
export function assertCommandOk(command: string, answer: string): void {
  const bad = answer
    .split('\n')
    .find((l) => /^(No such|Unknown command|Require|Permission denied|.*not found)/i.test(l.trim()));
  if (bad) throw new FlipdeckError('internal', `the edge refused "${command}": ${bad.trim()}`);
}

/**
 * `show servers state` with some servers' ports replaced. `load-server-state-from-file` restores each
 * server's port from the saved state, not from the config: after a reload that moves a pool's bus
 * port (its server mode changed), the saved state must carry the new port or the old one wins.
 */
export function withServerPorts(
  state: string,
  portFor: (backend: string, server: string) => number | undefined,
): string {
  const lines = state.split('\n');
  const header = lines.find((l) => l.startsWith('#'));
  if (!header) return state;
  const cols = header.replace(/^#\s*/, '').split(/\s+/);
  const [be, srv, port] = ['be_name', 'srv_name', 'srv_port'].map((c) => cols.indexOf(c));
  if (be! < 0 || srv! < 0 || port! < 0) return state;
  return lines
    .map((line) => {
      if (line.startsWith('#') || !line.trim() || /^\d+$/.test(line.trim())) return line;
      const f = line.split(' ');
      const wanted = portFor(f[be!]!, f[srv!]!);
      if (wanted === undefined || f.length <= port!) return line;
      f[port!] = String(wanted);
      return f.join(' ');
    })
    .join('\n');
}
