import { describe, expect, it } from 'vitest';
import { parseEnvironment } from '../../../shared/environment';
import { busPort, cronSpec, edgeSpec, managedDbSpec, workerSpec, type WorkerContext } from './container-specs';
import { cronLoad, parseCronLoad } from './queue-job';

const env = parseEnvironment({
  server: 'lab',
  name: 'shop',
  image: 'odoo:17',
  public_bind: '127.0.0.1:18100',
  resources: { memory: '2g', cpus: 1.5 },
});
const ctx: WorkerContext = {
  env,
  image: 'odoo:17',
  deployId: 'd1',
  by: 'ana@laptop',
  db: { host: 'flipdeck-shop-db', port: 5432, user: 'odoo', password: 's3cret-pw', name: 'shop' },
  resolvedEnv: { TZ: 'Europe/Brussels' },
};

describe('container specs', () => {
  it('runs web workers with crons off, in an explicit server mode, on the shared data volume, labelled with pool and deploy', () => {
    const s = workerSpec(ctx, 'green', 2);
    expect(s.name).toBe('flipdeck-shop-green-2');
    expect(s.Cmd).toEqual([
      'odoo',
      '--database',
      'shop',
      '--db-filter',
      '^shop$',
      '--proxy-mode',
      '--workers',
      '0',
      '--max-cron-threads',
      '0',
    ]);
    expect(s.Labels?.['io.flipdeck.workers']).toBe('0');
    const prefork = workerSpec({ ...ctx, env: { ...ctx.env, workers: 4 } }, 'green', 2);
    expect(prefork.Cmd).toContain('--workers');
    expect(prefork.Cmd?.[prefork.Cmd.indexOf('--workers') + 1]).toBe('4');
    expect(prefork.Labels?.['io.flipdeck.workers']).toBe('4');
    expect(s.Env).toEqual(
      expect.arrayContaining([
        'HOST=flipdeck-shop-db',
        'PASSWORD_FILE=/run/flipdeck/db-password',
        'TZ=Europe/Brussels',
        'FLIPDECK_POOL=green',
      ]),
    );
    // The password reaches the container as a file copied in before it starts, never in its Env, labels or command.
    expect(s.files).toEqual([{ path: '/run/flipdeck/db-password', content: 's3cret-pw' }]);
    expect(JSON.stringify({ env: s.Env, labels: s.Labels, cmd: s.Cmd })).not.toContain('s3cret-pw');
    const db = managedDbSpec('shop', 'postgres:16', ctx.db);
    expect(db.Env).toContain('POSTGRES_PASSWORD_FILE=/run/flipdeck/db-password');
    expect(JSON.stringify(db.Env)).not.toContain('s3cret-pw');
    expect(s.HostConfig?.Mounts).toEqual([{ Type: 'volume', Source: 'flipdeck-shop-data', Target: '/var/lib/odoo' }]);
    expect(s.Labels).toMatchObject({
      'io.flipdeck.pool': 'green',
      'io.flipdeck.deploy': 'd1',
      'io.flipdeck.role': 'web',
    });
    expect(s.HostConfig).toMatchObject({ Memory: 2 * 1024 ** 3, MemorySwap: 2 * 1024 ** 3, NanoCpus: 1.5e9 });
  });

  it('runs the cron runner with HTTP off, and never restarts it behind our back', () => {
    const s = cronSpec(ctx, 'blue');
    expect(s.Cmd).toContain('--no-http');
    expect(s.Cmd?.slice(-2)).toEqual(['--max-cron-threads', '2']);
    expect(s.HostConfig?.RestartPolicy).toEqual({ Name: 'no' });
  });

  it('wires queue_job: the cron runner loads it and sends jobs to the edge; web workers keep its runner off', () => {
    const withUserChannels = { ...ctx, resolvedEnv: { ODOO_QUEUE_JOB_CHANNELS: 'root:4' } };
    const cron = cronSpec(withUserChannels, 'green', cronLoad(['base', 'web', 'session_redis'], true));
    expect(cron.Cmd?.slice(-2)).toEqual(['--load', 'base,web,session_redis,queue_job']);
    expect(cron.Env).toEqual(
      expect.arrayContaining([
        'ODOO_QUEUE_JOB_HOST=flipdeck-shop-edge',
        'ODOO_QUEUE_JOB_PORT=8080',
        'ODOO_QUEUE_JOB_CHANNELS=root:4',
      ]),
    );
    const web = workerSpec(withUserChannels, 'green', 1);
    expect(web.Env?.filter((e) => e.startsWith('ODOO_QUEUE_JOB_'))).toEqual(['ODOO_QUEUE_JOB_CHANNELS=root:0']);
    expect(web.Cmd).not.toContain('--load');
    // No queue_job: Odoo's own defaults, no runner settings.
    expect(cronLoad(undefined, false)).toBeNull();
    expect(cronSpec(ctx, 'blue', null).Env?.some((e) => e.startsWith('ODOO_QUEUE_JOB_HOST'))).toBe(false);
    expect(cronLoad(undefined, true)).toEqual(['base', 'web', 'queue_job']);
    expect(cronLoad(['web', 'queue_job'], true)).toEqual(['web', 'queue_job']);
    expect(parseCronLoad('')).toBeNull();
    expect(parseCronLoad('["base","queue_job"]')).toEqual(['base', 'queue_job']);
    expect(parseCronLoad('["base; rm -rf /"]')).toBeUndefined();
    expect(parseCronLoad(undefined)).toBeUndefined();
  });

  it('pads the memory limit by 256 MiB when the floor is overridden on purpose (swap stays consistent)', () => {
    const low = parseEnvironment({
      server: 'lab',
      name: 'shop',
      image: 'odoo:17',
      public_bind: '127.0.0.1:18100',
      resources: { memory: '1g', memory_swap: '2g', memory_override: true },
    });
    expect(workerSpec({ ...ctx, env: low }, 'blue', 1).HostConfig).toMatchObject({
      Memory: (1024 + 256) * 1024 ** 2,
      MemorySwap: (2048 + 256) * 1024 ** 2,
    });
    const plain = parseEnvironment({
      server: 'lab',
      name: 'shop',
      image: 'odoo:17',
      public_bind: '127.0.0.1:18100',
      resources: { memory: '1g' },
    });
    expect(workerSpec({ ...ctx, env: plain }, 'blue', 1).HostConfig).toMatchObject({
      Memory: 1024 ** 3,
      MemorySwap: 1024 ** 3,
    });
  });

  it('publishes the edge only on the public bind', () => {
    const s = edgeSpec({ envName: 'shop', image: 'haproxy:2.6' });
    expect(s.HostConfig?.PortBindings).toBeUndefined();
    const p = edgeSpec({ envName: 'shop', image: 'haproxy:2.6', publicBind: '127.0.0.1:18100' });
    expect(p.HostConfig?.PortBindings).toEqual({ '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '18100' }] });
    expect(p.HostConfig?.Binds).toEqual(['/run/flipdeck/shop:/run/flipdeck-edge']);
  });
});

describe('busPort', () => {
  it('is the HTTP port for a threaded server and the gevent port in prefork', () => {
    expect(busPort(0, { http: 8069, gevent: 8072 })).toBe(8069);
    expect(busPort(3, { http: 8069, gevent: 8072 })).toBe(8072);
  });
});
