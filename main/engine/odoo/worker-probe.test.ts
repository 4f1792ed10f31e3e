import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { odooWorkerProbe } from './worker-probe';

let server: http.Server | null = null;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function serve(handler: http.RequestListener): Promise<number> {
  server = http.createServer(handler);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return (server!.address() as net.AddressInfo).port;
}
const opener = (port: number) => () =>
  new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });

describe('Odoo worker probe', () => {
  it('is ready only when /web/login answers 200 and the database check passes, with the domain as Host', async () => {
    const seen: string[] = [];
    const port = await serve((req, res) => {
      seen.push(`${req.url} ${req.headers.host}`);
      if (req.url === '/web/login') return res.writeHead(200).end('<form/>');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"pass","db_server_status":true}');
    });
    const p = odooWorkerProbe({ worker: 'w1', open: opener(port), hostHeader: 'shop.example.com' });
    expect(await p.portOpen()).toBe(true);
    expect(await p.http(1000, new AbortController().signal)).toEqual({
      ok: true,
      detail: 'GET /web/login → 200, /web/health → 200',
    });
    expect(seen).toEqual(['/web/login shop.example.com', '/web/health?db_server_status=1 shop.example.com']);
  });

  it('is not ready while the registry loads, or when PostgreSQL is down', async () => {
    let dbUp = false;
    let loaded = false;
    const port = await serve((req, res) => {
      if (req.url === '/web/login')
        return loaded ? res.writeHead(200).end() : res.writeHead(503).end('<h1>Service Unavailable</h1>');
      res.writeHead(dbUp ? 200 : 500).end(dbUp ? '{}' : '{"status":"fail","db_server_status":false}');
    });
    const p = odooWorkerProbe({ worker: 'w1', open: opener(port), hostHeader: 'x' });
    expect(await p.http(1000, new AbortController().signal)).toEqual({
      ok: false,
      detail: 'GET /web/login → 503 (Service Unavailable)',
    });
    loaded = true;
    const r = await p.http(1000, new AbortController().signal);
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/db_server_status=1 → 500/);
    dbUp = true;
    expect((await p.http(1000, new AbortController().signal)).ok).toBe(true);
  });

  it('accepts versions without /web/health, and reports a closed port', async () => {
    const port = await serve((req, res) => res.writeHead(req.url === '/web/login' ? 200 : 404).end());
    expect(
      await odooWorkerProbe({ worker: 'w', open: opener(port), hostHeader: 'x' }).http(
        1000,
        new AbortController().signal,
      ),
    ).toMatchObject({ ok: true });
    const closed = odooWorkerProbe({ worker: 'w', open: opener(1), hostHeader: 'x' });
    expect(await closed.portOpen()).toBe(false);
    expect((await closed.http(500, new AbortController().signal)).detail).toMatch(/ECONNREFUSED/);
  });

  it('says why when Odoo sends the login page to the database selector (no database for this request)', async () => {
    const port = await serve((_req, res) => res.writeHead(303, { location: '/web/database/selector' }).end());
    const probe = odooWorkerProbe({ worker: 'w1', open: opener(port), hostHeader: 'localhost' });
    const r = await probe.http(1000, new AbortController().signal);
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/303 to the database selector: Odoo serves no database .*OWNER TO/);
  });

  it('gives up on a probe that gets no answer within its wait', async () => {
    const port = await serve(() => undefined);
    const r = await odooWorkerProbe({ worker: 'w', open: opener(port), hostHeader: 'x' }).http(
      200,
      new AbortController().signal,
    );
    expect(r).toMatchObject({ ok: false });
    expect(r.detail).toMatch(/no answer within 200 ms/);
  });
});
