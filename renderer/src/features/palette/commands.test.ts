import { describe, expect, it } from 'vitest';
import type { Inventory } from '../../../../shared/model';
import { buildCommands, filterCommands, paletteStatusSelector } from './commands';

const inv = {
  clients: [{ id: 'c1', name: 'Acme', tags: [] }],
  servers: [
    {
      id: 's1',
      clientId: 'c1',
      name: 'prod-1',
      kind: 'ssh',
      host: '10.0.0.1',
      port: 22,
      user: 'odoo',
      tags: ['eu'],
      dockerSocket: '/var/run/docker.sock',
      useAgent: false,
    },
    {
      id: 's2',
      clientId: 'c1',
      name: 'laptop',
      kind: 'local',
      host: 'localhost',
      port: 22,
      user: 'me',
      tags: [],
      dockerSocket: '/var/run/docker.sock',
      useAgent: false,
    },
  ],
} as unknown as Inventory;
const envs = {
  'prod-1': [
    {
      server: 'prod-1',
      name: 'shop',
      strategy: 'blue-green',
      replicas: 2,
      publicBind: null,
      domains: [],
      source: null,
      image: null,
    },
  ],
} as never;
const later = new Date(Date.now() + 60_000).toISOString();

describe('command palette', () => {
  it('offers rollback only while a pool is kept, and no SSH terminal for this computer', () => {
    const none = buildCommands(inv, envs, {});
    expect(none.map((c) => c.id)).toContain('deploy:prod-1/shop');
    expect(none.map((c) => c.id)).not.toContain('rollback:prod-1/shop');
    expect(none.map((c) => c.id)).not.toContain('terminal:s2');
    const kept = buildCommands(inv, envs, {
      'prod-1/shop': { live: 'green', workers: [], kept: { pool: 'blue', until: later }, lock: null },
    });
    expect(kept.find((c) => c.id === 'rollback:prod-1/shop')?.label).toBe('Roll back prod-1/shop to blue…');
    // Backups need a live database; none before the first deploy.
    expect(none.map((c) => c.id)).not.toContain('restore:prod-1/shop');
    expect(filterCommands(kept, 'restore shop').map((c) => c.id)).toEqual(['restore:prod-1/shop']);
  });

  it('matches every typed word, in any order, in labels and keywords', () => {
    const all = buildCommands(inv, envs, {});
    expect(filterCommands(all, 'shop deploy').map((c) => c.id)).toEqual(['deploy:prod-1/shop']);
    expect(filterCommands(all, 'acme terminal').map((c) => c.id)).toEqual(['terminal:s1']);
    expect(filterCommands(all, 'eu').map((c) => c.id)).toEqual(['server:s1']);
    expect(filterCommands(all, 'nothing-like-this')).toEqual([]);
    expect(filterCommands(all, '  ')).toHaveLength(all.length);
  });

  it('keeps the status record it selected while the live pool and open kept pool stay the same', () => {
    const select = paletteStatusSelector();
    const first = { 'prod-1/shop': { live: 'blue' as const, workers: [], kept: null, lock: null } };
    expect(select(first)).toBe(first);
    // A refresh that changes only the workers or the lock: the same record, so no re-render.
    expect(
      select({ 'prod-1/shop': { ...first['prod-1/shop'], workers: [{}] as never, lock: { holder: 'x', since: 'y' } } }),
    ).toBe(first);
    const kept = { 'prod-1/shop': { ...first['prod-1/shop'], kept: { pool: 'green' as const, until: later } } };
    expect(select(kept)).toBe(kept);
    // The kept window closed: a new record even though the status object reads the same.
    const closed = {
      'prod-1/shop': {
        ...kept['prod-1/shop'],
        kept: { pool: 'green' as const, until: new Date(Date.now() - 1).toISOString() },
      },
    };
    expect(select(closed)).toBe(closed);
  });
});
