// Readiness of one Odoo worker, using only what a stock Odoo (14 to 19) serves:
// - GET /web/login answers 200 once the registry and modules are loaded (while loading, Odoo holds
//   the request on the registry lock and answers the moment loading ends: we keep it open);
// - then GET /web/health?db_server_status=1 confirms PostgreSQL where the version honours it
//   (Odoo 17+); a 404 (older versions) is not a failure, the login page already needed the database.
// Each request carries the environment's domain as Host so `dbfilter` picks the right database, and
// goes to the container directly (a stream the caller opens), never through the edge.
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { HttpProbeAnswer, WorkerProbe } from './readiness';

export interface OdooProbeOptions {
  worker: string;
  /** Opens a TCP stream to the worker's HTTP port (an SSH forward on real servers). */
  open: () => Promise<Duplex>;
  hostHeader: string;
  loginPath?: string;
}

export interface HttpAnswer {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** One GET over a caller-supplied stream. No keep-alive: an SSH channel is not a socket. */
export function getOver(
  open: () => Promise<Duplex>,
  path: string,
  host: string,
  waitMs: number,
  signal?: AbortSignal,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        method: 'GET',
        path,
        headers: { Host: host, 'User-Agent': 'flipdeck-readiness', Connection: 'close' },
        agent: streamAgent(open),
        signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= 64 * 1024) chunks.push(c);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }),
        );
        res.on('error', reject);
      },
    );
    // Our own timer: an SSH channel has no socket timeout to lean on. When it fires before the
    // channel is connected, Node reports the destroy as "socket hang up": say what happened instead.
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy(new Error(`no answer within ${waitMs} ms`));
    }, waitMs);
    req.on('close', () => clearTimeout(timer));
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(timedOut ? Object.assign(new Error(`no answer within ${waitMs} ms`), { code: 'ETIMEDOUT' }) : err);
    });
    req.end();
  });
}

/** An agent whose one connection is a stream the caller opens (an SSH channel, or a socket in tests). */
export function streamAgent(open: () => Promise<Duplex>): http.Agent {
  const agent = new http.Agent({ keepAlive: false });
  agent.createConnection = ((_opts: unknown, cb: (err: Error | null, s?: Duplex) => void) => {
    open().then(
      (s) => {
        // ssh2 channels emit close only after both sides end.
        s.on('end', () => s.end());
        cb(null, s);
      },
      (err: Error) => cb(err),
    );
    return undefined;
  }) as unknown as http.Agent['createConnection'];
  return agent;
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.name === 'AbortError') return 'probe cancelled';
  return e?.code ? `${e.code}: ${e.message}` : String(e?.message ?? err);
}

export function odooWorkerProbe(o: OdooProbeOptions): WorkerProbe {
  const loginPath = o.loginPath ?? '/web/login';
  return {
    worker: o.worker,
    async portOpen() {
      try {
        const s = await o.open();
        s.destroy();
        return true;
      } catch {
        return false;
      }
    },
    async http(waitMs, signal): Promise<HttpProbeAnswer> {
      let login: HttpAnswer;
      try {
        login = await getOver(o.open, loginPath, o.hostHeader, waitMs, signal);
      } catch (err) {
        return { ok: false, detail: `GET ${loginPath} → ${describe(err)}` };
      }
      // Odoo found no database for this request (odoo/http.py db_filter/list_dbs): say why, not just "303".
      if (login.status >= 300 && login.status < 400 && /\/web\/database\/selector/.test(String(login.headers.location)))
        return { ok: false, detail: `GET ${loginPath} → ${login.status} to the database selector: ${NO_DATABASE}` };
      if (login.status !== 200)
        return { ok: false, detail: `GET ${loginPath} → ${login.status}${snippet(login.body)}` };
      try {
        const health = await getOver(o.open, '/web/health?db_server_status=1', o.hostHeader, waitMs, signal);
        if (health.status === 404)
          return { ok: true, detail: `GET ${loginPath} → 200 (no /web/health on this version)` };
        if (health.status !== 200)
          return { ok: false, detail: `GET /web/health?db_server_status=1 → ${health.status}${snippet(health.body)}` };
      } catch (err) {
        return { ok: false, detail: `GET /web/health → ${describe(err)}` };
      }
      return { ok: true, detail: `GET ${loginPath} → 200, /web/health → 200` };
    },
  };
}

export const NO_DATABASE =
  "Odoo serves no database for this request: with a dbfilter it lists only databases owned by the role it connects as (ALTER DATABASE … OWNER TO that role), and the filter must match the environment's database";

function snippet(body: string): string {
  const text = body
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 160);
  return text ? ` (${text})` : '';
}
