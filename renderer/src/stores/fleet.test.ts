// @vitest-environment jsdom
// The CLI changes the inventory while the app is open: a refresh shows it, and one that finds
// nothing new leaves the store (and so the screen) untouched.
import { afterEach, describe, expect, it } from 'vitest';
import type { Inventory, Server } from '../../../shared/model';
import { installFakeHost } from '../testing/fake-host';
import { useFleet } from './fleet';

const server = (id: string, name: string) =>
  ({
    id,
    clientId: 'c1',
    name,
    kind: 'ssh',
    host: `${name}.example`,
    port: 22,
    user: 'odoo',
    tags: [],
    dockerSocket: '/var/run/docker.sock',
    useAgent: false,
  }) as Server;

let host: ReturnType<typeof installFakeHost> | undefined;
afterEach(() => {
  useFleet.getState().dispose();
  host?.uninstall();
});

describe('fleet store refresh', () => {
  it('shows a server the CLI added, and changes nothing when nothing changed', async () => {
    let inventory: Inventory = { clients: [{ id: 'c1', name: 'Acme', tags: [] }], servers: [server('s1', 'prod-1')] };
    host = installFakeHost({
      'app.info': () => ({ version: 'test', transport: 'electron', home: '/h', localDocker: null }),
      'inventory.get': () => structuredClone(inventory),
    });
    await useFleet.getState().load();
    const before = useFleet.getState().inventory;
    await useFleet.getState().refresh();
    expect(useFleet.getState().inventory).toBe(before);

    inventory = { ...inventory, servers: [...inventory.servers, server('s2', 'from-cli')] };
    await useFleet.getState().refresh();
    expect(useFleet.getState().inventory.servers.map((s) => s.name)).toEqual(['prod-1', 'from-cli']);
  });
});
