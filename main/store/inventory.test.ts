import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InventoryStore } from './inventory';
import { defaultHome } from './home';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'flipdeck-inv-'));

describe('inventory', () => {
  it('reads the file again when another process changed it (the CLI while the app runs), on every read', async () => {
    const home = tmp();
    const app = new InventoryStore(home);
    await app.load();
    await app.addClient({ name: 'Acme' });
    const cli = new InventoryStore(home);
    await cli.load();
    const globex = await cli.addClient({ name: 'Globex' });
    // No reload asked for: the next read notices the file was replaced.
    expect(
      app
        .get()
        .clients.map((c) => c.name)
        .sort(),
    ).toEqual(['Acme', 'Globex']);
    expect(app.client(globex.id).name).toBe('Globex');
    await cli.removeClient(globex.id);
    expect(() => app.client(globex.id)).toThrow(/no client/);
  });

  it('keeps every change made at once (each one applies to the latest data), and refuses a duplicate among them', async () => {
    const home = tmp();
    const a = new InventoryStore(home);
    await a.load();
    const names = Array.from({ length: 12 }, (_, i) => `Client ${i}`);
    const results = await Promise.allSettled([...names, 'Client 3'].map((name) => a.addClient({ name })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(12);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    const b = new InventoryStore(home);
    await b.load();
    expect(
      b
        .get()
        .clients.map((c) => c.name)
        .sort(),
    ).toEqual([...names].sort());
  });

  it('round-trips clients and servers through the file, and searches them', async () => {
    const home = tmp();
    const a = new InventoryStore(home);
    await a.load();
    const acme = await a.addClient({ name: 'Acme', tags: ['retail'] });
    const s = await a.addServer({
      clientId: acme.id,
      name: 'prod-1',
      host: 'prod.acme.example',
      user: 'deploy',
      identityFile: '~/.ssh/id_ed25519',
      tags: ['eu'],
    });
    await a.pinHostKey(s.id, 'SHA256:' + 'A'.repeat(43));
    const b = new InventoryStore(home);
    await b.load();
    expect(b.get()).toEqual(a.get());
    expect(b.server(s.id)).toMatchObject({
      name: 'prod-1',
      port: 22,
      dockerSocket: '/var/run/docker.sock',
      hostKey: 'SHA256:' + 'A'.repeat(43),
    });
    expect(b.search({ search: 'ACME' }).servers).toHaveLength(1);
    expect(b.search({ tags: ['retail', 'eu'] }).servers).toHaveLength(1);
    expect(b.search({ search: 'nothing-like-it' }).servers).toHaveLength(0);
    expect(readFileSync(path.join(home, 'inventory.json'), 'utf8')).toContain('"version": 1');
  });

  it('refuses duplicates, bad fields and removing a client with servers, naming what to fix', async () => {
    const inv = new InventoryStore(tmp());
    await inv.load();
    const c = await inv.addClient({ name: 'Acme' });
    await expect(inv.addClient({ name: 'acme' })).rejects.toThrow(/already exists/);
    await inv.addServer({ clientId: c.id, name: 'web', host: 'h.example', user: 'u', useAgent: true });
    await expect(
      inv.addServer({ clientId: c.id, name: 'WEB', host: 'h2.example', user: 'u', useAgent: true }),
    ).rejects.toThrow(/already has a server named/);
    await expect(inv.addServer({ clientId: c.id, name: 'x', host: 'h;rm -rf /', user: 'u' })).rejects.toThrow(/host/);
    await expect(inv.removeClient(c.id)).rejects.toThrow(/still has 1 server/);
  });

  it('forgets the pinned key when the address changes', async () => {
    const inv = new InventoryStore(tmp());
    await inv.load();
    const c = await inv.addClient({ name: 'Acme' });
    const s = await inv.addServer({
      clientId: c.id,
      name: 'web',
      host: 'a.example',
      user: 'u',
      useAgent: true,
      hostKey: 'SHA256:' + 'B'.repeat(43),
    });
    expect((await inv.updateServer(s.id, { user: 'v' })).hostKey).toBeDefined();
    expect((await inv.updateServer(s.id, { host: 'b.example' })).hostKey).toBeUndefined();
  });

  it('a corrupt file is a clear error with a kept backup, never a silent reset', async () => {
    const home = tmp();
    writeFileSync(path.join(home, 'inventory.json'), '{"version":1,"clients":[{"id":"x"');
    const inv = new InventoryStore(home);
    await expect(inv.load()).rejects.toThrow(/inventory.json is not valid JSON.*a copy was kept at/);
    expect(readdirSync(home).some((f) => f.startsWith('inventory.json.corrupt-'))).toBe(true);
    expect(readFileSync(path.join(home, 'inventory.json'), 'utf8')).toBe('{"version":1,"clients":[{"id":"x"');
    writeFileSync(path.join(home, 'inventory.json'), '{"version":1,"clients":[],"servers":[{"name":1}]}');
    await expect(new InventoryStore(home).load()).rejects.toThrow(/does not have the expected content/);
  });

  it('resolves one home for app and CLI', () => {
    expect(defaultHome({ FLIPDECK_HOME: '/x/y' }, 'linux', '/home/a')).toBe('/x/y');
    expect(defaultHome({}, 'linux', '/home/a')).toBe('/home/a/.config/flipdeck');
    expect(defaultHome({ XDG_CONFIG_HOME: '/c' }, 'linux', '/home/a')).toBe('/c/flipdeck');
    expect(defaultHome({}, 'darwin', '/Users/a')).toBe('/Users/a/Library/Application Support/Flipdeck');
  });
});
