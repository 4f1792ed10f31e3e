// The browser host: the built renderer served on 127.0.0.1 to a browser, and the same contract
// answered from the same handlers over a WebSocket. It can drive remote servers, so it is guarded:
// loopback only; the Host of every request and upgrade must be its own (no DNS rebinding), and so
// must the Origin wherever one is sent (no other site reading it or calling it); the WebSocket also
// needs the per-run token. The page itself holds no secret and is served without the token, so a
// reload works: the token reaches the page in the printed address's fragment (never sent to a
// server) and the page keeps it in sessionStorage (see renderer/bridge/).
//
// One process may be running a deploy, so nothing a client sends may end it: every request,
// upgrade and message handler catches its errors, and every socket has an 'error' listener.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { CallResult } from '../../../shared/api';
import { dispatch } from '../dispatch';
import type { HostServices } from '../services';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};
export const MAX_MESSAGE = 1024 * 1024;

export interface BrowserHostOptions {
  services: HostServices;
  rendererDir: string;
  port?: number;
  token?: string;
  /** Where failures that are the host's own fault go (a handler's unsendable result, a bug). Default: stderr. */
  onError?: (context: string, err: unknown) => void;
}

export interface BrowserHost {
  /** The address to open first: the page, with the token in its fragment. */
  url: string;
  /** The page without the token: what a reload or a bookmark uses (the tab keeps the token). */
  pageUrl: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

function sameSecret(a: string | null | undefined, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

/** The path and query of an origin-form request target (`/a/b?c`), or null for anything else. */
function splitTarget(target: string | undefined): { pathname: string; query: string } | null {
  if (!target || !target.startsWith('/')) return null; // `*`, `http://…` (absolute form), empty
  const end = target.search(/[?#]/);
  if (end < 0) return { pathname: target, query: '' };
  const hash = target.indexOf('#');
  return {
    pathname: target.slice(0, end),
    query: target[end] === '?' ? target.slice(end + 1, hash < 0 ? undefined : hash) : '',
  };
}

const defaultOnError = (context: string, err: unknown) => console.error(`flipdeck host: ${context}:`, err);

export async function startBrowserHost(o: BrowserHostOptions): Promise<BrowserHost> {
  const token = o.token ?? randomBytes(32).toString('base64url');
  const onError = o.onError ?? defaultOnError;
  let port = 0;
  const hostOk = (h: string | undefined) => !!h && allowedHosts(port).includes(h.toLowerCase());
  const originOk = (origin: string) => allowedHosts(port).some((h) => origin.toLowerCase() === `http://${h}`);

  async function answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!hostOk(req.headers.host)) return refuse(res, 421, 'this address is not served here');
    // Navigations and <img> loads send no Origin; a fetch or XHR from another site does.
    if (req.headers.origin !== undefined && !originOk(req.headers.origin))
      return refuse(res, 403, 'requests from other sites are refused');
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return refuse(res, 405, 'method not allowed', { allow: 'GET, HEAD' });
    const target = splitTarget(req.url);
    if (!target) return refuse(res, 400, 'the request target must be a path');
    if (target.pathname === '/bridge') {
      // Lets the page tell "the host restarted with a new token" from "the host is down" (a refused
      // WebSocket handshake looks the same as no host to a page). Another site cannot send this
      // header without a CORS preflight, which is refused (405, no CORS headers).
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      return sameSecret(bearer, token)
        ? void res.writeHead(204, { 'cache-control': 'no-store' }).end()
        : refuse(res, 401, 'this token is not the host’s: open the address it printed');
    }
    let rel: string;
    try {
      rel = decodeURIComponent(target.pathname.slice(1));
    } catch {
      return refuse(res, 400, 'malformed percent-encoding in the path');
    }
    if (rel === '') rel = 'index.html';
    if (rel.split('/').some((p) => p === '..' || p === '.' || p === '') || rel.includes('\\') || rel.includes('\0'))
      return refuse(res, 404, 'not found');
    let body: Buffer;
    try {
      body = await readFile(path.join(o.rendererDir, rel));
    } catch {
      return refuse(res, 404, 'not found');
    }
    res.writeHead(200, {
      'content-type': MIME[path.extname(rel)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'content-security-policy': "frame-ancestors 'none'",
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  const server = http.createServer((req, res) => {
    req.on('error', () => undefined); // a client that goes away mid-request is not the host's problem
    answer(req, res).catch((err: unknown) => {
      onError(`${req.method} ${req.url}`, err);
      if (!res.headersSent) refuse(res, 500, 'internal error');
      else res.destroy();
    });
  });
  // After listen, a failure to accept (EMFILE…) must not end the process; before listen, the
  // once('error') below reports it to the caller.
  server.on('error', (err) => onError('server', err));

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE });
  wss.on('error', (err) => onError('WebSocket server', err));

  function upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const reject = (code: number, why: string) => {
      socket.end(`HTTP/1.1 ${code} ${why}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (!hostOk(req.headers.host)) return reject(421, 'Misdirected Request');
    // Browsers always send Origin on a WebSocket handshake: none, or another, is not our page.
    if (req.headers.origin === undefined || !originOk(req.headers.origin)) return reject(403, 'Forbidden');
    const target = splitTarget(req.url);
    if (!target) return reject(400, 'Bad Request');
    if (target.pathname !== '/bridge') return reject(404, 'Not Found');
    // URLSearchParams never throws on malformed percent-encoding (unlike decodeURIComponent).
    if (!sameSecret(new URLSearchParams(target.query).get('token'), token)) return reject(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws, o.services, onError));
  }

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    // Once 'upgrade' fires the socket is ours: an ECONNRESET on it without a listener ends the process.
    socket.on('error', () => socket.destroy());
    try {
      upgrade(req, socket, head);
    } catch (err) {
      onError(`upgrade ${req.url}`, err);
      socket.destroy();
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const pageUrl = `http://127.0.0.1:${port}/`;
  return {
    url: `${pageUrl}#token=${token}`,
    pageUrl,
    port,
    token,
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    },
  };
}

function refuse(res: http.ServerResponse, code: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(message + '\n');
}

interface CallMessage {
  id: number;
  channel: string;
  payload: unknown;
}

function fail(message: string, code: 'bad_input' | 'internal' = 'bad_input'): CallResult<never> {
  return { ok: false, error: { code, message } };
}

function serve(ws: WebSocket, services: HostServices, onError: (context: string, err: unknown) => void): void {
  // Over-size frames, invalid UTF-8 and other protocol errors come here after ws has already closed
  // the socket with the matching code (1009, 1007, 1002…). Without a listener Node would throw them.
  ws.on('error', () => undefined);

  const send = (message: unknown, what: string): void => {
    if (ws.readyState !== ws.OPEN) return;
    let text: string;
    try {
      text = JSON.stringify(message);
    } catch (err) {
      onError(`cannot send ${what}`, err);
      return;
    }
    ws.send(text);
  };

  const off = services.onEvent((event, payload) => send({ event, payload }, `event ${event}`));
  ws.on('close', off);

  ws.on('message', (data: RawData, isBinary: boolean) => {
    // The bridge only sends JSON text; anything else is not a client of ours.
    if (isBinary) return ws.close(1003, 'text frames only');
    let msg: Partial<CallMessage> | null;
    try {
      msg = JSON.parse(
        Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8'),
      ) as Partial<CallMessage> | null;
    } catch {
      return; // not JSON: there is no id to answer to
    }
    if (typeof msg !== 'object' || msg === null || !Number.isSafeInteger(msg.id)) return;
    const { id, channel, payload } = msg as CallMessage;
    void (async () => {
      let result: CallResult<unknown>;
      if (typeof channel !== 'string') result = fail('channel must be a string');
      else {
        try {
          result = await dispatch(services.handlers, channel, payload, { transport: 'browser' });
        } catch (err) {
          onError(`call ${channel}`, err);
          result = fail(`the host failed to handle ${channel}`, 'internal');
        }
      }
      let text: string;
      try {
        text = JSON.stringify({ id, result });
      } catch (err) {
        // A handler returned something JSON cannot carry (BigInt, a cycle): a bug, reported as one.
        onError(`answer to ${String(channel)}`, err);
        text = JSON.stringify({
          id,
          result: fail(`the answer to ${String(channel)} could not be sent: ${(err as Error).message}`, 'internal'),
        });
      }
      if (ws.readyState === ws.OPEN) ws.send(text);
    })().catch((err: unknown) => onError('message', err));
  });
}
