import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createHostServices, type HostServices } from '../services';
import { startBrowserHost, type BrowserHost } from './server';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const MAX_MESSAGE = 1024 * 1024;

let services: HostServices;
let host: BrowserHost;
let rendererDir: string;
let home: string;

// Whatever escapes a handler lands here. Outside vitest, Node's default for both is to end the
// process, so an entry here is the host dying (and any deploy it was running with it).
const escaped: string[] = [];
const recordEscape = (err: unknown) => escaped.push(err instanceof Error ? (err.stack ?? err.message) : String(err));

beforeAll(async () => {
  process.on('uncaughtException', recordEscape);
  process.on('unhandledRejection', recordEscape);
  home = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-host-'));
  rendererDir = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-renderer-'));
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Flipdeck</title>');
  writeFileSync(path.join(rendererDir, 'app.js'), 'console.log(1)');
  services = await createHostServices({
    home,
    transport: 'browser',
    env: {
      FLIPDECK_AUDIT_KEY: 'ab'.repeat(32),
      FLIPDECK_AUDIT_DIR: `${home}-audit`,
      DOCKER_HOST: 'unix:///nonexistent.sock',
    },
  });
  host = await startBrowserHost({ services, rendererDir });
});
afterAll(async () => {
  await host.close();
  await services.close();
  process.off('uncaughtException', recordEscape);
  process.off('unhandledRejection', recordEscape);
});
beforeEach(() => {
  escaped.length = 0;
});

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)),
    ),
  ]).finally(() => clearTimeout(timer));
}

function get(
  pathAndQuery: string,
  headers: Record<string, string> = {},
  port = host.port,
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  const answer = new Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathAndQuery, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
  return withTimeout(answer, 2000, `GET ${pathAndQuery}`);
}

function open(opts: { token?: string; origin?: string; hostHeader?: string; port?: number }): Promise<WebSocket> {
  const port = opts.port ?? host.port;
  const origin = opts.origin ?? `http://127.0.0.1:${port}`;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/bridge?token=${opts.token ?? host.token}`, {
    origin,
    ...(opts.hostHeader ? { headers: { Host: opts.hostHeader } } : {}),
  });
  const opened = new Promise<WebSocket>((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(String(res.statusCode))));
    ws.once('error', reject);
  });
  return withTimeout(opened, 2000, 'WebSocket handshake');
}

type Result = { ok: boolean; value?: unknown; error?: { code: string; message: string } };
function call(ws: WebSocket, id: number, channel: unknown, payload: unknown): Promise<Result> {
  const answered = new Promise<Result>((resolve) => {
    ws.on('message', function onMsg(data) {
      const m = JSON.parse(String(data)) as { id?: number; result: Result };
      if (m.id === id) {
        ws.off('message', onMsg);
        resolve(m.result);
      }
    });
    ws.send(JSON.stringify({ id, channel, payload }));
  });
  return withTimeout(answered, 2000, `call ${String(channel)}`);
}

/** The host still answers a page request and a contract call, and nothing escaped a handler. */
async function expectStillServing(port = host.port, token = host.token): Promise<void> {
  await new Promise((r) => setTimeout(r, 20));
  expect(escaped, 'errors that escaped the host (each one ends the process outside tests)').toEqual([]);
  expect((await get('/app.js', {}, port)).status).toBe(200);
  const ws = await open({ port, token });
  try {
    expect(await call(ws, 1, 'app.info', {})).toMatchObject({ ok: true, value: { transport: 'browser' } });
  } finally {
    ws.close();
  }
}

// ——— raw TCP: what a browser would never send, but a hostile local client can ———

/** Sends bytes and returns what came back before the host closed, or `ms` passed. */
async function raw(
  bytes: string | Buffer,
  opts: { port?: number; ms?: number; untilStatusLine?: boolean } = {},
): Promise<string> {
  const sock = net.connect(opts.port ?? host.port, '127.0.0.1');
  sock.on('error', () => undefined);
  let got = Buffer.alloc(0);
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, opts.ms ?? 1000);
    sock.on('data', (c: Buffer) => {
      got = Buffer.concat([got, c]);
      if (opts.untilStatusLine && got.includes('\r\n')) resolve();
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  sock.write(bytes);
  await done;
  sock.destroy();
  return got.toString('latin1');
}

const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);

interface RawWs {
  sock: net.Socket;
  /** Everything the host sent after the 101. */
  received(): Buffer;
  closed: Promise<void>;
}

function upgradeRequest(port: number, opts: { path?: string; token?: string; key?: string } = {}): string {
  return [
    `GET ${opts.path ?? `/bridge?token=${opts.token ?? host.token}`} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    `Origin: http://127.0.0.1:${port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${opts.key ?? randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
    '',
    '',
  ].join('\r\n');
}

/** A WebSocket opened by hand, so frames the ws client would refuse to send can be sent. */
async function rawWs(opts: { port?: number; token?: string; after?: Buffer } = {}): Promise<RawWs> {
  const port = opts.port ?? host.port;
  const sock = net.connect(port, '127.0.0.1');
  sock.on('error', () => undefined);
  await once(sock, 'connect');
  let buf = Buffer.alloc(0);
  let upgraded = false;
  const closed = new Promise<void>((resolve) => sock.once('close', () => resolve()));
  const handshake = new Promise<void>((resolve, reject) => {
    sock.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (upgraded) return;
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString('latin1');
      if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(`no upgrade: ${head.split('\r\n')[0]}`));
      upgraded = true;
      buf = buf.subarray(end + 4);
      resolve();
    });
    void closed.then(() => reject(new Error('closed before the upgrade')));
  });
  sock.write(Buffer.concat([Buffer.from(upgradeRequest(port, opts)), opts.after ?? Buffer.alloc(0)]));
  await withTimeout(handshake, 2000, 'raw WebSocket handshake');
  return { sock, received: () => buf, closed };
}

/** A client frame; `claimedLength` lies about the payload size. */
function frame(
  opcode: number,
  payload: Buffer | string,
  o: { fin?: boolean; rsv?: number; mask?: boolean; claimedLength?: number; rand?: () => number } = {},
): Buffer {
  const body = Buffer.from(payload);
  const len = o.claimedLength ?? body.length;
  const masked = o.mask ?? true;
  const first = ((o.fin ?? true) ? 0x80 : 0) | (((o.rsv ?? 0) & 7) << 4) | (opcode & 0x0f);
  let head: Buffer;
  if (len < 126) head = Buffer.from([first, (masked ? 0x80 : 0) | len]);
  else if (len < 65536) {
    head = Buffer.from([first, (masked ? 0x80 : 0) | 126, 0, 0]);
    head.writeUInt16BE(len, 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = first;
    head[1] = (masked ? 0x80 : 0) | 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  if (!masked) return Buffer.concat([head, body]);
  const rand = o.rand ?? Math.random;
  const key = Buffer.from([0, 1, 2, 3].map(() => Math.floor(rand() * 256)));
  for (let i = 0; i < body.length; i++) body[i] = body[i]! ^ key[i % 4]!;
  return Buffer.concat([head, key, body]);
}

/** The status code of the first close frame the host sent, or null. */
function closeCodeIn(data: Buffer): number | null {
  let i = 0;
  while (i + 2 <= data.length) {
    const opcode = data[i]! & 0x0f;
    let len = data[i + 1]! & 0x7f;
    let at = i + 2;
    if (len === 126) {
      len = data.readUInt16BE(at);
      at += 2;
    } else if (len === 127) {
      len = Number(data.readBigUInt64BE(at));
      at += 8;
    }
    if (opcode === 8) return len >= 2 ? data.readUInt16BE(at) : 1005;
    i = at + len;
  }
  return null;
}

describe('browser host', () => {
  it('listens on loopback only and prints an address carrying the token in its fragment', () => {
    // The fragment never reaches the server: not in a request line, a log or a Referer.
    expect(host.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${host.port}/#token=[A-Za-z0-9_-]{43}$`));
  });

  it('serves the page without the token (it holds no secret), so a reload keeps working', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Flipdeck</title>');
    expect(page.headers['cache-control']).toBe('no-store');
    expect((await get('/index.html')).status).toBe(200);
    expect((await get('/?token=wrong')).status).toBe(200);
    expect((await get('/app.js')).status).toBe(200);
    expect((await get('/../../etc/passwd')).status).toBe(404);
    expect((await get('/%2e%2e/%2e%2e/etc/passwd')).status).toBe(404);
    expect((await get('/nothing-here.js')).status).toBe(404);
  });

  it('refuses a foreign Host (DNS rebinding)', async () => {
    expect((await get('/', { Host: `evil.example:${host.port}` })).status).toBe(421);
    expect((await get('/app.js', { Host: `evil.example:${host.port}` })).status).toBe(421);
    expect((await get('/', { Host: `localhost:${host.port}` })).status).toBe(200);
  });

  it('refuses a request carrying a foreign Origin (another site reading the page or probing the host)', async () => {
    expect((await get('/app.js', { Origin: 'https://evil.example' })).status).toBe(403);
    expect((await get('/', { Origin: 'null' })).status).toBe(403);
    expect((await get('/app.js', { Origin: `http://127.0.0.1:${host.port}` })).status).toBe(200);
  });

  it('refuses WebSocket handshakes without the token, from another origin, or for another host', async () => {
    await expect(open({ token: 'nope' })).rejects.toThrow('401');
    await expect(open({ token: '' })).rejects.toThrow('401');
    await expect(open({ origin: 'https://evil.example' })).rejects.toThrow('403');
    await expect(open({ origin: `http://127.0.0.1:${host.port + 1}` })).rejects.toThrow('403');
    await expect(open({ hostHeader: `evil.example:${host.port}` })).rejects.toThrow('421');
  });

  it('tells the page whether its token is still good (after a host restart it is not), same checks as the handshake', async () => {
    expect((await get('/bridge', { Authorization: `Bearer ${host.token}` })).status).toBe(204);
    expect((await get('/bridge', { Authorization: 'Bearer nope' })).status).toBe(401);
    expect((await get('/bridge')).status).toBe(401);
    expect(
      (await get('/bridge', { Authorization: `Bearer ${host.token}`, Origin: 'https://evil.example' })).status,
    ).toBe(403);
    expect(
      (await get('/bridge', { Authorization: `Bearer ${host.token}`, Host: `evil.example:${host.port}` })).status,
    ).toBe(421);
  });

  it('answers the contract from the real handlers, validating payloads', async () => {
    const ws = await open({});
    const info = await call(ws, 1, 'app.info', {});
    expect(info).toMatchObject({ ok: true, value: { transport: 'browser' } });
    const bad = await call(ws, 2, 'clients.add', { name: '' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad_input' } });
    const unknown = await call(ws, 3, 'shell.exec', { cmd: 'id' });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'bad_input' } });
    ws.close();
  });
});

// Issue 14, point 1: one request, frame or rejection used to end the host process.
describe('browser host survives hostile input', () => {
  it.each([
    ['GET /%', '/%'],
    ['GET /%E0%A4%A', '/%E0%A4%A'],
    ['GET /%C0%AF (overlong UTF-8)', '/%C0%AF'],
  ])(
    '%s (malformed percent-encoding, no token needed: an <img> on any web page can send it) → 400',
    async (_name, target) => {
      const res = await raw(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nConnection: close\r\n\r\n`);
      expect(statusOf(res)).toBe(400);
      await expectStillServing();
    },
  );

  it('GET // and an upgrade to // (paths the URL parser refuses) are refused, not thrown', async () => {
    expect(statusOf(await raw(`GET // HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nConnection: close\r\n\r\n`))).toBe(
      404,
    );
    expect(statusOf(await raw(upgradeRequest(host.port, { path: '//' })))).toBe(404);
    expect(statusOf(await raw(upgradeRequest(host.port, { path: '/bridge%?token=%' })))).toBe(404);
    expect(statusOf(await raw(upgradeRequest(host.port, { path: '/bridge?token=%' })))).toBe(401);
    await expectStillServing();
  });

  it('a WebSocket frame over the size limit closes that socket with 1009', async () => {
    const c = await rawWs();
    c.sock.write(frame(1, Buffer.alloc(MAX_MESSAGE + 1, 0x61)));
    await withTimeout(c.closed, 2000, 'close after an over-size frame');
    expect(closeCodeIn(c.received())).toBe(1009);
    await expectStillServing();
  });

  it('a frame that only claims a huge length (2⁵³−1) closes that socket with 1009', async () => {
    const c = await rawWs();
    c.sock.write(frame(2, '', { claimedLength: Number.MAX_SAFE_INTEGER }));
    await withTimeout(c.closed, 2000, 'close after a huge length');
    expect([1009, 1002]).toContain(closeCodeIn(c.received()));
    await expectStillServing();
  });

  it('a text frame with invalid UTF-8 closes that socket with 1007', async () => {
    const c = await rawWs();
    c.sock.write(frame(1, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])));
    await withTimeout(c.closed, 2000, 'close after invalid UTF-8');
    expect(closeCodeIn(c.received())).toBe(1007);
    await expectStillServing();
  });

  it('an unmasked client frame and a reserved opcode close that socket with 1002', async () => {
    for (const bad of [frame(1, '{}', { mask: false }), frame(3, 'x'), frame(1, 'x', { rsv: 4 })]) {
      const c = await rawWs();
      c.sock.write(bad);
      await withTimeout(c.closed, 2000, 'close after a protocol error');
      expect(closeCodeIn(c.received())).toBe(1002);
    }
    await expectStillServing();
  });

  it('a binary frame (the bridge only sends text) closes that socket with 1003', async () => {
    const c = await rawWs();
    c.sock.write(frame(2, JSON.stringify({ id: 1, channel: 'app.info', payload: {} })));
    // The host starts the closing handshake; this client never answers it, so wait for the frame.
    for (const until = Date.now() + 2000; closeCodeIn(c.received()) === null && Date.now() < until;)
      await new Promise((r) => setTimeout(r, 10));
    expect(closeCodeIn(c.received())).toBe(1003);
    c.sock.destroy();
    await expectStillServing();
  });

  it('frames after a close frame are ignored', async () => {
    const code = Buffer.alloc(2);
    code.writeUInt16BE(1000);
    const c = await rawWs();
    c.sock.write(
      Buffer.concat([
        frame(8, code),
        frame(1, JSON.stringify({ id: 1, channel: 'app.info', payload: {} })),
        frame(1, Buffer.from([0xff])),
        frame(9, 'ping'),
      ]),
    );
    await withTimeout(c.closed, 2000, 'close after a close frame');
    await expectStillServing();
  });

  it('garbage instead of a request, and garbage frames glued to a valid upgrade', async () => {
    expect(statusOf(await raw(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x00, 0x0d, 0x0a, 0x0d, 0x0a])))).toBe(400);
    expect(statusOf(await raw('\r\n\r\nGET / HTTP/9.9\r\n\r\n'))).toBeGreaterThanOrEqual(400);
    const c = await rawWs({ after: Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00, 0x01, 0x02, 0x03]) });
    await withTimeout(c.closed, 2000, 'close after garbage frames');
    await expectStillServing();
  });

  it('a dropped connection in the middle of a handshake or a rejection', async () => {
    for (const token of [host.token, 'wrong']) {
      const sock = net.connect(host.port, '127.0.0.1');
      sock.on('error', () => undefined);
      await once(sock, 'connect');
      sock.write(upgradeRequest(host.port, { token }));
      sock.resetAndDestroy();
    }
    await expectStillServing();
  });

  it('a call whose dispatch rejects (a channel that cannot be turned into a string) is answered with an error', async () => {
    const c = await rawWs();
    c.sock.write(frame(1, JSON.stringify({ id: 7, channel: { toString: 1 }, payload: {} })));
    await new Promise((r) => setTimeout(r, 100));
    expect(c.received().toString()).toMatch(/"id":7.*"ok":false.*"bad_input"/);
    c.sock.destroy();
    await expectStillServing();
  });

  it('a handler whose result cannot be sent (BigInt, cycle) is answered with an internal error, not a crash', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const broken: HostServices = {
      ...services,
      handlers: {
        ...services.handlers,
        'inventory.get': (async () => ({ n: 1n })) as never,
        'audit.verify': (async () => cyclic) as never,
      },
    };
    const reported: string[] = [];
    const other = await startBrowserHost({
      services: broken,
      rendererDir,
      onError: (context) => reported.push(context),
    });
    try {
      const ws = await open({ port: other.port, token: other.token });
      expect(await call(ws, 1, 'inventory.get', {})).toMatchObject({
        ok: false,
        error: { code: 'internal', message: expect.stringContaining('could not be sent') },
      });
      expect(await call(ws, 2, 'audit.verify', {})).toMatchObject({ ok: false, error: { code: 'internal' } });
      expect(reported).toEqual(['answer to inventory.get', 'answer to audit.verify']);
      ws.close();
      await expectStillServing(other.port, other.token);
    } finally {
      await other.close();
    }
  });

  it('the host process itself (npm run host) stays up through the inputs named in the issue', async () => {
    const child = spawn(
      path.join(ROOT, 'node_modules', '.bin', 'tsx'),
      [path.join(ROOT, 'main', 'host', 'browser', 'cli.ts')],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          FLIPDECK_HOME: mkdtempSync(path.join(os.tmpdir(), 'flipdeck-host-cli-')),
          FLIPDECK_AUDIT_KEY: 'ab'.repeat(32),
          FLIPDECK_AUDIT_DIR: mkdtempSync(path.join(os.tmpdir(), 'flipdeck-host-cli-audit-')),
          DOCKER_HOST: 'unix:///nonexistent.sock',
          FLIPDECK_RENDERER_DIR: rendererDir,
          FLIPDECK_HOST_PORT: '0',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    try {
      const printed = await withTimeout(
        new Promise<RegExpExecArray>((resolve, reject) => {
          child.stdout.on('data', () => {
            const m = /http:\/\/127\.0\.0\.1:(\d+)\/[?#]token=([A-Za-z0-9_-]+)/.exec(out);
            if (m) resolve(m);
          });
          child.once('exit', (code) => reject(new Error(`host exited (${code}) before printing its address:\n${out}`)));
        }),
        15_000,
        'host start',
      );
      const port = Number(printed[1]);
      const token = printed[2]!;
      const stillUp = async (after: string) => {
        await new Promise((r) => setTimeout(r, 200));
        expect(child.exitCode, `the host exited after ${after}:\n${out}`).toBeNull();
      };
      await raw(`GET /% HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`, { port, ms: 300 });
      await stillUp('GET /%');
      for (const [name, bad] of [
        ['an over-size frame', frame(1, Buffer.alloc(MAX_MESSAGE + 1, 0x61))],
        ['invalid UTF-8', frame(1, Buffer.from([0xff]))],
      ] as const) {
        const c = await rawWs({ port, token });
        c.sock.write(bad);
        await withTimeout(c.closed, 2000, `close after ${name}`);
        await stillUp(name);
      }
      await expectStillServing(port, token);
    } finally {
      child.kill('SIGTERM');
    }
  }, 25_000);
});

// ——— bounded fuzz: a seeded PRNG, a fixed number of inputs, a deadline ———

function prng(seed: number): () => number {
  // mulberry32: tiny, fast, and the same sequence for the same seed.
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.FLIPDECK_FUZZ_SEED ?? 14);

describe(`browser host fuzz (seed ${SEED}; set FLIPDECK_FUZZ_SEED to try another)`, () => {
  const rand = prng(SEED);
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  const chance = (p: number) => rand() < p;

  function randomJson(depth: number): unknown {
    switch (depth <= 0 ? int(4) : int(7)) {
      case 0:
        return pick([null, true, false, 0, -1, 1.5, 2 ** 53, -0, 1e308]);
      case 1:
        return pick([
          '',
          'x',
          '../../etc/passwd',
          '%',
          '\u0000',
          '\ud800',
          'a'.repeat(int(3000)),
          '__proto__',
          '{"id":1}',
        ]);
      case 2:
        return int(1e6) - 5e5;
      case 3:
        return bytes(int(20)).toString('latin1');
      case 4:
        return Array.from({ length: int(5) }, () => randomJson(depth - 1));
      case 5:
        return Object.fromEntries(
          Array.from({ length: int(5) }, () => [
            pick(['id', 'name', 'server', 'env', 'tags', 'search', '__proto__', 'constructor', 'stream', 'x']),
            randomJson(depth - 1),
          ]),
        );
      default:
        return { toString: int(2) ? 1 : 'x', valueOf: null };
    }
  }

  function randomRequest(port: number, token: string): Buffer {
    if (chance(0.04)) return bytes(1 + int(200));
    // Most requests parse, so they reach the host's own code; the rest test Node's parser edge.
    const sane = chance(0.7);
    const eol = sane || chance(0.5) ? '\r\n' : pick(['\n', '\r', '\r\r\n']);
    const method = sane
      ? pick(['GET', 'GET', 'GET', 'HEAD', 'POST', 'OPTIONS', 'PUT', 'DELETE'])
      : pick(['CONNECT', 'TRACE', 'PRI', 'G\u0000T', '', 'get', 'GET GET']);
    const target = pick([
      '/',
      '/%',
      '/%E0%A4%A',
      '/%C0%AF',
      '//',
      '///',
      '/..%2f..%2fetc%2fpasswd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/bridge',
      `/bridge?token=${token}`,
      `/bridge?token=${token}`,
      '/bridge?token=',
      '/bridge?token=%',
      '/bridge?token=%E0%A4%A',
      `/bridge?token=${token}&token=x`,
      '*',
      'http://evil.example/',
      `http://127.0.0.1:${port}/`,
      '/%00',
      '/app.js',
      '/index.html?token=x',
      '/\\..\\..\\',
      '/a/../../b',
      '/' + 'a'.repeat(int(9000)),
      '/' + encodeURIComponent(bytes(8).toString('latin1')),
      '/#frag',
      '/?' + '&'.repeat(int(2000)),
      ...(sane ? [] : ['/' + bytes(6).toString('latin1'), '', '/ /']),
    ]);
    const version = sane
      ? pick(['HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0'])
      : pick(['HTTP/2.0', 'HTTP/1.1 extra', '', 'HTTP/1.1']);
    const headers: string[] = [];
    const good = [`127.0.0.1:${port}`, `localhost:${port}`];
    if (chance(0.9))
      headers.push(
        `Host: ${chance(0.6) ? pick(good) : pick([`LOCALHOST:${port}`, 'evil.example', `evil.example:${port}`, '', `127.0.0.1:${port}, evil`, '[::1]', `127.0.0.1:${port + 1}`])}`,
      );
    if (chance(0.05)) headers.push(`Host: ${pick(['evil.example', `127.0.0.1:${port}`])}`);
    if (chance(0.6))
      headers.push(
        `Origin: ${chance(0.6) ? `http://${pick(good)}` : pick(['https://evil.example', 'null', '', `http://127.0.0.1:${port + 1}`, `https://127.0.0.1:${port}`, bytes(5).toString('latin1')])}`,
      );
    if (chance(0.45)) {
      headers.push(
        `Upgrade: ${pick(['websocket', 'websocket', 'WebSocket', 'h2c', '', 'websocket, x'])}`,
        `Connection: ${pick(['Upgrade', 'Upgrade', 'upgrade, keep-alive', 'close', 'keep-alive'])}`,
      );
      if (chance(0.85))
        headers.push(
          `Sec-WebSocket-Key: ${chance(0.7) ? randomBytes(16).toString('base64') : pick(['short', '', '!!!!!!!!!!!!!!!!!!!!!!==', randomBytes(40).toString('base64')])}`,
        );
      if (chance(0.85)) headers.push(`Sec-WebSocket-Version: ${pick(['13', '13', '13', '8', '99', '', 'x'])}`);
      if (chance(0.3))
        headers.push(
          `Sec-WebSocket-Extensions: ${pick(['permessage-deflate', 'permessage-deflate; client_max_window_bits=99', 'x-nope', ';;;'])}`,
        );
      if (chance(0.2)) headers.push(`Sec-WebSocket-Protocol: ${pick(['a', 'a, a', ',', 'x y'])}`);
    }
    if (chance(0.25))
      headers.push(
        `Authorization: ${pick([`Bearer ${token}`, `Bearer ${token}`, 'Bearer ', 'Basic Zm9vOmJhcg==', 'Bearer ' + 'x'.repeat(int(500)), '', `bearer ${token}`])}`,
      );
    if (chance(0.15)) headers.push(`Content-Length: ${pick(['0', '5', '-1', '99999999999999999999', 'abc', '1, 2'])}`);
    if (chance(0.08)) headers.push(`Transfer-Encoding: ${pick(['chunked', 'gzip, chunked', 'x'])}`);
    if (chance(0.2))
      headers.push(
        `${sane ? pick(['X-A', 'Cookie', 'Range', 'If-None-Match', 'Referer']) : pick(['X\u0000B', ' Leading', 'Bad Name'])}: ${pick(
          [
            '1',
            bytes(10)
              .toString('latin1')
              .replace(/[\r\n]/g, ''),
            'bytes=0-1',
            'a'.repeat(int(20_000)),
          ],
        )}`,
      );
    if (chance(0.03)) headers.push(`X-Many: ${'v'.repeat(70_000)}`);
    const head = `${method} ${target} ${version}`.trimEnd() + eol + headers.join(eol) + eol + eol;
    return Buffer.concat([Buffer.from(head, 'latin1'), chance(0.15) ? bytes(int(100)) : Buffer.alloc(0)]);
  }

  it('~300 random HTTP requests and upgrades: none ends the host, none gets a 5xx', async () => {
    const deadline = Date.now() + 6000;
    const statuses = new Map<number, number>();
    for (let batch = 0; batch < 12 && Date.now() < deadline; batch++) {
      const requests = Array.from({ length: 25 }, () => randomRequest(host.port, host.token));
      const answers = await Promise.all(requests.map((r) => raw(r, { ms: 300, untilStatusLine: true })));
      for (const a of answers) statuses.set(statusOf(a), (statuses.get(statusOf(a)) ?? 0) + 1);
    }
    expect(
      [...statuses.keys()].filter((s) => s >= 500),
      `statuses seen: ${JSON.stringify([...statuses])}`,
    ).toEqual([]);
    await expectStillServing();
  }, 15_000);

  function randomFrame(): Buffer {
    const masked = !chance(0.03);
    const o = { rand, mask: masked };
    switch (int(12)) {
      case 0:
      case 1:
      case 2: {
        const msg = {
          id: pick([int(1000), -1, 1.5, 'x', null, 2 ** 60, undefined]),
          channel: pick([
            'app.info',
            'inventory.get',
            'audit.verify',
            'environments.list',
            'clients.add',
            'nope',
            '',
            123,
            null,
            '__proto__',
            'constructor',
            'toString',
            { toString: 1 },
          ]),
          payload: randomJson(3),
        };
        return frame(1, JSON.stringify(msg) ?? 'null', o);
      }
      case 3:
        return frame(
          1,
          pick(['', 'null', '[]', '{', '{"id":1}', '['.repeat(int(50_000)), '"' + 'x'.repeat(int(5000)) + '"']),
          o,
        );
      case 4:
        return frame(1, Buffer.concat([Buffer.from('{"id":1,"channel":"'), bytes(1 + int(8)), Buffer.from('"}')]), o);
      case 5:
        return frame(2, bytes(int(300)), o);
      case 6:
        return frame(pick([9, 10]), bytes(pick([0, 5, 125, 126, 300])), o);
      case 7:
        return frame(
          8,
          pick([
            Buffer.alloc(0),
            Buffer.from([0x03]),
            Buffer.from([0x03, 0xe8]),
            Buffer.from([0x03, 0xed]),
            Buffer.from([0x0b, 0xb8, 0xff, 0xfe]),
            bytes(int(130)),
          ]),
          o,
        );
      case 8:
        return frame(0, bytes(int(50)), { ...o, fin: chance(0.5) });
      case 9:
        return Buffer.concat([
          frame(1, '{"id":', { ...o, fin: false }),
          chance(0.5) ? frame(9, 'p', o) : frame(1, 'x', o),
          frame(0, '1}', o),
        ]);
      case 10:
        return frame(pick([3, 4, 5, 6, 7, 11, 12, 13, 14, 15]), bytes(int(20)), {
          ...o,
          rsv: chance(0.5) ? 1 + int(7) : 0,
        });
      default:
        return chance(0.3)
          ? frame(1, '', { ...o, claimedLength: pick([MAX_MESSAGE + 1, 2 ** 40]) })
          : bytes(1 + int(40));
    }
  }

  it('~200 random WebSocket frames on authenticated connections: none ends the host', async () => {
    const deadline = Date.now() + 6000;
    let conn: RawWs | null = null;
    let reconnects = 0;
    for (let i = 0; i < 200 && Date.now() < deadline; i++) {
      if (!conn || conn.sock.destroyed || conn.sock.readyState !== 'open') {
        conn?.sock.destroy();
        conn = await rawWs();
        reconnects++;
      }
      conn.sock.write(randomFrame());
      await new Promise((r) => setTimeout(r, 3));
    }
    conn?.sock.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect(reconnects).toBeGreaterThan(1); // the fuzz did reach protocol errors, not only polite calls
    await expectStillServing();
  }, 15_000);
});
