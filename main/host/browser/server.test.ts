import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createHostServices, type HostServices } from '../services';
import { startBrowserHost, type BrowserHost } from './server';

let services: HostServices;
let host: BrowserHost;

beforeAll(async () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-host-'));
  const rendererDir = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-renderer-'));
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Flipdeck</title>');
  writeFileSync(path.join(rendererDir, 'app.js'), 'console.log(1)');
  services = await createHostServices({ home, transport: 'browser', env: { FLIPDECK_AUDIT_KEY: 'ab'.repeat(32), DOCKER_HOST: 'unix:///nonexistent.sock' } });
  host = await startBrowserHost({ services, rendererDir });
});
afterAll(async () => {
  await host.close();
  await services.close();
});

function get(pathAndQuery: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: host.port, path: pathAndQuery, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function open(opts: { token?: string; origin?: string; hostHeader?: string }): Promise<WebSocket> {
  const origin = opts.origin ?? `http://127.0.0.1:${host.port}`;
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/bridge?token=${opts.token ?? host.token}`, { origin, ...(opts.hostHeader ? { headers: { Host: opts.hostHeader } } : {}) });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(String(res.statusCode))));
    ws.once('error', reject);
  });
}

describe('browser host', () => {
  it('listens on loopback only and prints a tokened address', () => {
    expect(host.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${host.port}/\\?token=[A-Za-z0-9_-]{43}$`));
  });

  it('serves the page only with the token', async () => {
    expect((await get('/')).status).toBe(401);
    expect((await get('/?token=wrong')).status).toBe(401);
    expect((await get(`/?token=${host.token}`)).status).toBe(200);
    expect((await get('/app.js')).status).toBe(200);
    expect((await get('/../../etc/passwd')).status).toBe(404);
  });

  it('refuses a foreign Host (DNS rebinding)', async () => {
    expect((await get(`/?token=${host.token}`, { Host: `evil.example:${host.port}` })).status).toBe(421);
    expect((await get(`/?token=${host.token}`, { Host: `localhost:${host.port}` })).status).toBe(200);
  });

  it('refuses WebSocket handshakes without the token, from another origin, or for another host', async () => {
    await expect(open({ token: 'nope' })).rejects.toThrow('401');
    await expect(open({ origin: 'https://evil.example' })).rejects.toThrow('403');
    await expect(open({ origin: `http://127.0.0.1:${host.port + 1}` })).rejects.toThrow('403');
    await expect(open({ hostHeader: `evil.example:${host.port}` })).rejects.toThrow('421');
  });

  it('answers the contract from the real handlers, validating payloads', async () => {
    const ws = await open({});
    const call = (id: number, channel: string, payload: unknown) =>
      new Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }>((resolve) => {
        ws.on('message', function onMsg(data) {
          const m = JSON.parse(String(data)) as { id?: number; result: never };
          if (m.id === id) {
            ws.off('message', onMsg);
            resolve(m.result);
          }
        });
        ws.send(JSON.stringify({ id, channel, payload }));
      });
    const info = await call(1, 'app.info', {});
    expect(info).toMatchObject({ ok: true, value: { transport: 'browser' } });
    const bad = await call(2, 'clients.add', { name: '' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad_input' } });
    const unknown = await call(3, 'shell.exec', { cmd: 'id' });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'bad_input' } });
    ws.close();
  });
});
