// The browser host: the built renderer served on 127.0.0.1 to a browser, and the same contract
// answered from the same handlers over a WebSocket. It can drive remote servers, so it is guarded:
// loopback only, a per-run secret token (page URL, then WebSocket handshake), and the Host and
// Origin of every request must be its own (no cross-site use, no DNS rebinding).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { dispatch } from '../dispatch';
import type { HostServices } from '../services';

const MIME: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.woff2': 'font/woff2', '.png': 'image/png', '.ico': 'image/x-icon' };
const MAX_MESSAGE = 1024 * 1024;

export interface BrowserHostOptions {
  services: HostServices;
  rendererDir: string;
  port?: number;
  token?: string;
}

export interface BrowserHost {
  url: string;
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

export async function startBrowserHost(o: BrowserHostOptions): Promise<BrowserHost> {
  const token = o.token ?? randomBytes(32).toString('base64url');
  let port = 0;
  const hostOk = (h: string | undefined) => !!h && allowedHosts(port).includes(h.toLowerCase());
  const originOk = (origin: string | undefined) => !!origin && allowedHosts(port).some((h) => origin.toLowerCase() === `http://${h}`);

  const server = http.createServer((req, res) => {
    void (async () => {
      if (!hostOk(req.headers.host)) return refuse(res, 421, 'this address is not served here');
      if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'method not allowed');
      const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
      let rel = decodeURIComponent(url.pathname).replace(/^\/+/, '');
      if (rel === '' || rel === 'index.html') {
        if (!sameSecret(url.searchParams.get('token'), token)) return refuse(res, 401, 'open the address printed by the host (it carries the token)');
        rel = 'index.html';
      }
      if (rel.split('/').some((p) => p === '..' || p === '') || rel.includes('\\')) return refuse(res, 404, 'not found');
      try {
        const body = await readFile(path.join(o.rendererDir, rel));
        res.writeHead(200, {
          'content-type': MIME[path.extname(rel)] ?? 'application/octet-stream',
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
          'x-frame-options': 'DENY',
          'referrer-policy': 'no-referrer',
          'content-security-policy': "frame-ancestors 'none'",
        });
        res.end(req.method === 'HEAD' ? undefined : body);
      } catch {
        refuse(res, 404, 'not found');
      }
    })();
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const reject = (code: number, why: string) => {
      socket.end(`HTTP/1.1 ${code} ${why}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (!hostOk(req.headers.host)) return reject(421, 'Misdirected Request');
    if (!originOk(req.headers.origin)) return reject(403, 'Forbidden');
    if (url.pathname !== '/bridge' || !sameSecret(url.searchParams.get('token'), token)) return reject(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws, o.services));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function refuse(res: http.ServerResponse, code: number, message: string): void {
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(message + '\n');
}

interface CallMessage {
  id: number;
  channel: string;
  payload: unknown;
}

function serve(ws: WebSocket, services: HostServices): void {
  const off = services.onEvent((event, payload) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ event, payload }));
  });
  ws.on('close', off);
  ws.on('message', (data) => {
    let msg: CallMessage;
    try {
      msg = JSON.parse(String(data)) as CallMessage;
    } catch {
      return;
    }
    if (typeof msg?.id !== 'number') return;
    void (async () => {
      const result = await dispatch(services.handlers, msg.channel, msg.payload, { transport: 'browser' });
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: msg.id, result }));
    })();
  });
}
