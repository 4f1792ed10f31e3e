// Odoo's server mode and its time limit, as the edge and the drain must match them.
// Mode (odoo/service/server.py): workers = 0 is the ThreadedServer, HTTP and the bus on the HTTP port
// and nothing on the gevent port; workers > 0 is the PreforkServer, whose HTTP workers refuse the bus
// and whose gevent process serves it. Flipdeck passes --workers itself, so odoo.conf cannot move the
// bus behind the edge's back; a conf that asks for another mode is named, not silently overridden.
// Time (limit_time_real, default 120 s): a longer request is stopped by Odoo, so the edge must wait
// at least that long (plus 5 s) for an answer. (Comparing drain_timeout with it is left for now:
// see the closing note.)
import type { PreflightCheck } from '../../../../shared/deploy';
import type { OdooConf } from '../source-facts';

export const ODOO_DEFAULT_LIMIT_TIME_REAL_S = 120;

/**
 * Changing the server mode moves the live pool's bus to another port. Done by an edge reload, the
 * reloaded edge left the new pool's bus servers in maintenance (the saved runtime state and the
 * config's `disabled` disagree), so websockets got 503: refused until the edge can move it safely.
 */
export function modeChangeRefusal(liveWorkers: number, workers: number): string {
  const name = (n: number) => (n > 0 ? `prefork (workers ${n})` : 'threaded (workers 0)');
  return `the live pool runs ${name(liveWorkers)} and this deploy asks for ${name(workers)}: the bus (/websocket) would move to another port under the edge, which Flipdeck does not do yet without losing live notifications`;
}

export const MODE_CHANGE_FIX =
  'keep workers as the live pool runs it; to change the mode, remove the environment (its edge and pools) and deploy it again, a short outage';

export interface ServerModeInputs {
  /** The server mode the live pool runs (from its workers), or null when nothing is live. */
  liveWorkers?: number | null;
  workers: number;
  conf: OdooConf | null;
  httpPort: number;
  geventPort: number;
  edgeServerTimeoutMs: number;
}

export function serverModeCheck(i: ServerModeInputs): PreflightCheck {
  const id = 'server_mode';
  const mode =
    i.workers > 0
      ? `prefork: ${i.workers} HTTP workers and a gevent process serving the bus (/websocket) on ${i.geventPort}`
      : `threaded (workers 0, as the stock image runs): HTTP and the bus (/websocket) on ${i.httpPort}, nothing on ${i.geventPort}`;
  const live = i.liveWorkers ?? null;
  if (live !== null && live > 0 !== i.workers > 0)
    return { id, status: 'fail', message: modeChangeRefusal(live, i.workers), fix: MODE_CHANGE_FIX };
  const confWorkers = i.conf?.workers;
  if (confWorkers !== undefined && confWorkers !== i.workers) {
    return {
      id,
      status: 'warn',
      message: `${mode}; the project's odoo.conf says workers = ${confWorkers}, which the environment's workers (${i.workers}, passed as --workers) overrides`,
      fix: `set workers: ${confWorkers} in the environment to run that mode (and give it memory), or remove workers from odoo.conf`,
    };
  }
  const limit = i.conf?.limitTimeReal ?? ODOO_DEFAULT_LIMIT_TIME_REAL_S;
  const limitMs = limit * 1000;
  const s = (ms: number) => `${Math.round(ms / 1000)} s`;
  const problems: string[] = [];
  if (i.edgeServerTimeoutMs < limitMs + 5000)
    problems.push(`the edge waits ${s(i.edgeServerTimeoutMs)} for an answer, less than limit_time_real + 5 s`);
  if (problems.length > 0) {
    return {
      id,
      status: 'warn',
      message: `${mode}; limit_time_real ${limit} s${i.conf?.limitTimeReal === undefined ? " (Odoo's default)" : ''}: ${problems.join('; ')}`,
      fix: `lower limit_time_real in odoo.conf below ${Math.floor(i.edgeServerTimeoutMs / 1000) - 5} s`,
    };
  }
  return {
    id,
    status: 'pass',
    message: `${mode}; limit_time_real ${limit} s fits the edge's ${s(i.edgeServerTimeoutMs)}`,
  };
}
