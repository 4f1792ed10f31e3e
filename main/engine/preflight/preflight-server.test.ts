// Pre-flight checks of the server side: limits, the base image against its registry, sessions and
// filestore across servers, and the server mode. (Source, version and module checks: preflight.test.ts.)
import { describe, expect, it } from 'vitest';
import { serverModeCheck } from './checks/server-mode';
import { inotifyCheck, publicPortCheck } from './checks/server';
import { baseImageCheck } from './checks/base-image';
import { sessionsCheck } from './checks/sessions';

describe('server limits', () => {
  it('warns on a low inotify limit, and says when it could not read it', () => {
    expect(inotifyCheck(524_288).status).toBe('pass');
    expect(inotifyCheck(8192)).toMatchObject({
      status: 'warn',
      fix: expect.stringContaining('sysctl -w fs.inotify.max_user_watches='),
    });
    expect(inotifyCheck(null).status).toBe('warn');
  });

  it('tells a closed firewall from a dead edge', () => {
    expect(publicPortCheck('0.0.0.0:443', { fromServer: true, fromHere: true }).status).toBe('pass');
    expect(publicPortCheck('0.0.0.0:443', { fromServer: true, fromHere: false })).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('firewall'),
    });
    expect(publicPortCheck('0.0.0.0:443', { fromServer: false, fromHere: null }).status).toBe('fail');
    expect(publicPortCheck('127.0.0.1:8069', { fromServer: null, fromHere: null }).message).toContain('first deploy');
  });
});

describe('the base image against its registry', () => {
  const local = { id: 'sha256:aaa', created: '2026-01-02T03:04:05Z', repoDigests: ['reg.example/odoo@sha256:1111'] };
  it('passes an up-to-date copy, a digest pin, and an image the build will pull', () => {
    expect(
      baseImageCheck({ image: 'reg.example/odoo:17', local, registry: { digest: 'sha256:1111' } }, false),
    ).toMatchObject({ status: 'pass', message: expect.stringContaining('current one (1111)') });
    expect(
      baseImageCheck({ image: `odoo@sha256:${'a'.repeat(64)}`, local: null, registry: { error: 'x' } }, false).message,
    ).toContain('pinned by digest');
    expect(
      baseImageCheck({ image: 'odoo:17', local: null, registry: { digest: 'sha256:2222' } }, false).message,
    ).toContain('the build pulls');
  });
  it('tells a newer registry copy apart for builds (pulled first) and prebuilt images (would run cached)', () => {
    const f = { image: 'reg.example/odoo:17', local, registry: { digest: 'sha256:9999' } };
    expect(baseImageCheck(f, false)).toMatchObject({
      status: 'pass',
      message: expect.stringContaining('the build pulls it first'),
    });
    expect(baseImageCheck(f, true)).toMatchObject({
      status: 'warn',
      fix: expect.stringContaining('docker pull reg.example/odoo:17'),
    });
  });
  it('warns when no registry answers, and fails when the image is nowhere', () => {
    expect(baseImageCheck({ image: 'odoo:17', local, registry: { error: 'connection refused' } }, false)).toMatchObject(
      { status: 'warn', message: expect.stringContaining("the server's copy from 2026-01-02") },
    );
    expect(
      baseImageCheck({ image: 'odoo:17', local: null, registry: { error: 'connection refused' } }, false).status,
    ).toBe('fail');
    expect(baseImageCheck(null, false).status).toBe('pass');
  });
});

describe('sessions and filestore', () => {
  const base = {
    dataVolume: 'flipdeck-shop-data',
    peers: [],
    sessionStore: null,
    filestore: { shared: false, how: 'local volume flipdeck-shop-data' },
    mounts: [{ container: 'flipdeck-shop-blue-1', volume: 'flipdeck-shop-data' }],
  };
  it('passes one server whose containers share the data volume, and fails a container that does not', () => {
    expect(sessionsCheck(base)).toMatchObject({ status: 'pass', message: expect.stringContaining('one server') });
    expect(
      sessionsCheck({ ...base, mounts: [...base.mounts, { container: 'flipdeck-shop-cron-blue', volume: 'other' }] }),
    ).toMatchObject({ status: 'fail', message: expect.stringContaining('flipdeck-shop-cron-blue mounts other') });
  });
  it('requires a shared session store, then a shared filestore, when another server serves the same database', () => {
    const multi = { ...base, peers: ['other/shop'] };
    expect(sessionsCheck(multi)).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('login loop'),
      fix: expect.stringContaining('session_redis'),
    });
    expect(sessionsCheck({ ...multi, sessionStore: 'session_redis at redis' })).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('attachments written on one server are missing'),
    });
    expect(
      sessionsCheck({
        ...multi,
        sessionStore: 'session_redis at redis',
        filestore: { shared: true, how: 'attachments in object storage (fs_attachment)' },
      }).status,
    ).toBe('pass');
  });
});

describe('server mode', () => {
  const base = { httpPort: 8069, geventPort: 8072, edgeServerTimeoutMs: 600_000, conf: null };
  it('says which mode runs and where the bus is', () => {
    expect(serverModeCheck({ ...base, workers: 0 })).toMatchObject({
      status: 'pass',
      message: expect.stringContaining(
        'threaded (workers 0, as the stock image runs): HTTP and the bus (/websocket) on 8069, nothing on 8072',
      ),
    });
    expect(serverModeCheck({ ...base, workers: 3 }).message).toContain(
      'prefork: 3 HTTP workers and a gevent process serving the bus (/websocket) on 8072',
    );
  });
  it("names an odoo.conf that asks for another mode than the environment's", () => {
    expect(serverModeCheck({ ...base, workers: 0, conf: { workers: 4 } })).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('odoo.conf says workers = 4'),
      fix: expect.stringContaining('set workers: 4 in the environment'),
    });
  });
  it('warns when the edge would give up on a request Odoo still lets run', () => {
    expect(serverModeCheck({ ...base, workers: 0, conf: { limitTimeReal: 900 } })).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('limit_time_real 900 s: the edge waits 600 s'),
    });
  });
});

describe('server mode change', () => {
  it('refuses moving the live pool between threaded and prefork (the bus would change port), and allows N → M prefork', () => {
    const base = { httpPort: 8069, geventPort: 8072, edgeServerTimeoutMs: 600_000, conf: null };
    expect(serverModeCheck({ ...base, workers: 2, liveWorkers: 0 })).toMatchObject({
      status: 'fail',
      message: expect.stringContaining(
        'the live pool runs threaded (workers 0) and this deploy asks for prefork (workers 2)',
      ),
    });
    expect(serverModeCheck({ ...base, workers: 4, liveWorkers: 2 }).status).toBe('pass');
    expect(serverModeCheck({ ...base, workers: 0, liveWorkers: null }).status).toBe('pass');
  });
});
