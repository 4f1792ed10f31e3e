// The Odoo checks on fixtures: source reading (manifests as text, odoo.conf, Dockerfile), version
// detection, memory floor and room, the dependency trap, queue_job, dbfilter, changed modules, and
// the server limits — each with a case that passes and one that does not.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManifest, parseOdooConf, readSourceFacts } from './source-facts';
import { detectOdooVersion, memoryFloorCheck, memoryRoomCheck } from './checks/odoo-version';
import { dbfilterCheck, manifestDependencyCheck, queueJobCheck } from './checks/odoo-source';
import { moduleChanges, modulesCheck, moduleStamp } from './checks/modules';
import { parseMeminfoAvailable } from './server-facts';

const MiB = 1024 ** 2;

function source(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-src-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const manifest = (version: string, depends: string[], extra = '') =>
  `# -*- coding: utf-8 -*-\n{\n    'name': "X",\n    "version": "${version}",\n    'depends': [${depends.map((d) => `'${d}'`).join(', ')}],  # a comment\n    ${extra}\n}\n`;

describe('reading a source', () => {
  it('parses manifests as text (both quote styles, tuples, installable), never evaluating them', () => {
    expect(parseManifest(manifest('17.0.1.2.0', ['base', 'sale']))).toEqual({
      version: '17.0.1.2.0',
      depends: ['base', 'sale'],
      installable: true,
    });
    expect(
      parseManifest(
        `{'version': '1.0', 'depends': ("web",), 'installable': False, '__import__': __import__('os').system('x')}`,
      ),
    ).toEqual({ version: '1.0', depends: ['web'], installable: false });
    expect(parseManifest(`{'name': 'no deps'}`)).toEqual({ version: null, depends: [], installable: true });
  });

  it('reads odoo.conf options deploys care about', () => {
    expect(
      parseOdooConf(
        '[options]\nworkers = 4\nlimit_memory_hard = 2684354560\nserver_wide_modules = base,web,queue_job\ndbfilter = ^%d$\nproxy_mode = True\n[queue_job]\nchannels = root:2\n',
      ),
    ).toEqual({
      workers: 4,
      limitMemoryHard: 2684354560,
      serverWideModules: ['base', 'web', 'queue_job'],
      dbfilter: '^%d$',
      proxyMode: true,
    });
  });

  it('finds addons below the root, hashes their files, and reads the Dockerfile base and the conf', () => {
    const dir = source({
      Dockerfile: 'FROM odoo:17.0 AS base\nFROM odoo:17.0-20261101\nCOPY addons /mnt/extra-addons\n',
      'addons/shop/__manifest__.py': manifest('17.0.1.0.0', ['sale']),
      'addons/shop/__init__.py': '',
      'addons/shop/models.py': 'x = 1\n',
      'oca/queue/queue_job/__manifest__.py': manifest('17.0.2.0.0', ['base']),
      'oca/queue/queue_job/__init__.py': '',
      // Not an addon for Odoo (no __init__.py): is_addons_path would not load it.
      'oca/queue/broken/__manifest__.py': manifest('17.0.2.0.0', ['base']),
      'odoo.conf': '[options]\nworkers = 2\n',
    });
    const f = readSourceFacts(dir);
    expect(f.addons.map((a) => a.name)).toEqual(['shop', 'queue_job']);
    expect(f.baseImage).toBe('odoo:17.0-20261101');
    expect(f.conf).toEqual({ workers: 2 });
    const before = f.addons[0]!.hash;
    writeFileSync(path.join(dir, 'addons/shop/models.py'), 'x = 2\n');
    expect(readSourceFacts(dir).addons[0]!.hash).not.toBe(before);
  });
});

describe('Odoo version and memory', () => {
  const src = (versions: string[], base: string | null = null) => ({
    addons: versions.map((v, i) => ({
      name: `a${i}`,
      dir: `a${i}`,
      version: v,
      depends: [],
      installable: true,
      hash: 'h',
    })),
    baseImage: base,
    conf: null,
    confPath: null,
  });

  it('detects the major version from manifests, else the base image tag; the environment wins', () => {
    expect(detectOdooVersion(src(['18.0.1.0.0', '18.0.2.0.0', '1.0']))).toMatchObject({ version: '18.0' });
    expect(detectOdooVersion(src(['1.0'], 'odoo:16'))).toMatchObject({
      version: '16.0',
      from: expect.stringContaining('odoo:16'),
    });
    expect(detectOdooVersion(src(['1.0'], 'registry.example/odoo:19.0-20261101'))).toMatchObject({ version: '19.0' });
    expect(detectOdooVersion(src(['1.0'], 'python:3.12'))).toMatchObject({ version: null });
    expect(detectOdooVersion(src(['18.0.1.0.0']), '14.0')).toMatchObject({ version: '14.0' });
  });

  it('warns below the floor (an override is still shown), and when workers × limit_memory_hard exceed the container', () => {
    const base = { versionFrom: 'test', override: false, conf: null, workers: 0 };
    expect(memoryFloorCheck({ ...base, version: '18.0', memoryLimit: 2048 * MiB }).status).toBe('pass');
    const low = memoryFloorCheck({ ...base, version: '18.0', memoryLimit: 1024 * MiB });
    expect(low).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('below the 1536 MiB floor'),
      fix: expect.stringContaining('1536 MiB'),
    });
    expect(memoryFloorCheck({ ...base, version: '18.0', memoryLimit: 1024 * MiB, override: true }).message).toContain(
      'override',
    );
    const workers = memoryFloorCheck({
      ...base,
      version: '14.0',
      memoryLimit: 2048 * MiB,
      workers: 4,
      conf: { limitMemoryHard: 1024 * MiB },
    });
    // The gevent process counts too: (4 + 1) × 1024 MiB.
    expect(workers).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('4 workers + the gevent process × limit_memory_hard 1024 MiB = 5120 MiB'),
    });
    // Threaded (the stock image's mode): odoo.conf's workers no longer decides it, --workers 0 does.
    expect(
      memoryFloorCheck({
        ...base,
        version: '14.0',
        memoryLimit: 2048 * MiB,
        conf: { workers: 4, limitMemoryHard: 1024 * MiB },
      }).status,
    ).toBe('pass');
    expect(memoryFloorCheck({ ...base, version: null, memoryLimit: 1024 * MiB }).message).toContain('2048 MiB floor');
  });

  it('fails when the server cannot hold the new pool beside the live one, saying how much is missing', () => {
    expect(
      memoryRoomCheck({
        availableBytes: 8192 * MiB,
        replicas: 2,
        memoryLimit: 2048 * MiB,
        floorMiB: 1536,
        liveRunning: true,
      }).status,
    ).toBe('pass');
    const r = memoryRoomCheck({
      availableBytes: 3000 * MiB,
      replicas: 2,
      memoryLimit: 2048 * MiB,
      floorMiB: 1536,
      liveRunning: true,
    });
    expect(r).toMatchObject({ status: 'fail', message: expect.stringContaining('1096 MiB missing') });
    expect(
      memoryRoomCheck({
        availableBytes: 2000 * MiB,
        replicas: 2,
        memoryLimit: undefined,
        floorMiB: 1536,
        liveRunning: false,
      }).message,
    ).toContain('the Odoo floor');
    expect(parseMeminfoAvailable('MemTotal: 100 kB\nMemAvailable:   2048 kB\n')).toBe(2048 * 1024);
  });
});

describe('the source against the image and the database', () => {
  const facts = (
    addons: { name: string; depends: string[]; installable?: boolean }[],
    conf: Record<string, unknown> | null = null,
  ) => ({
    addons: addons.map((a) => ({
      dir: a.name,
      version: '1.0',
      hash: a.name,
      installable: a.installable ?? true,
      ...a,
    })),
    baseImage: 'odoo:17',
    conf,
    confPath: conf ? 'odoo.conf' : null,
  });

  it('fails the missing-dependency trap naming the addon and the dependency; resolves through the source and the image', () => {
    const src = facts([
      { name: 'shop', depends: ['sale', 'shop_base'] },
      { name: 'shop_base', depends: ['web'] },
      { name: 'old', depends: ['gone'], installable: false },
    ]);
    expect(manifestDependencyCheck(src, new Set(['web', 'sale']), null).status).toBe('pass');
    // A database row is no code: reported (warn), not accepted.
    expect(manifestDependencyCheck(src, new Set(['web']), new Set(['sale'])).status).toBe('warn');
    const fail = manifestDependencyCheck(src, new Set(['web']), new Set());
    expect(fail).toMatchObject({ status: 'fail', message: expect.stringContaining('shop needs sale') });
    expect(fail.message).not.toContain('gone'); // an uninstallable addon is not loaded, so not checked
  });

  it('does not let an uninstallable addon or a database row satisfy a dependency; trusts a pip-installed one to the build', () => {
    const src = facts([
      { name: 'shop', depends: ['old', 'web'] },
      { name: 'old', depends: [], installable: false },
    ]);
    expect(manifestDependencyCheck(src, new Set(['web']), new Set(['old']))).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('shop needs old (installable: False)'),
    });
    const row = manifestDependencyCheck(
      facts([{ name: 'shop', depends: ['sale'] }]),
      new Set(['web']),
      new Set(['sale']),
    );
    expect(row).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('shop needs sale: installed in the database, but its code is in neither'),
    });
    const pipped = { ...facts([{ name: 'shop', depends: ['mis_builder'] }]), pipAddons: ['mis_builder'] };
    expect(manifestDependencyCheck(pipped, new Set(['web']), null)).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('shop needs mis_builder: not in the source or the base image, pip-installed'),
    });
  });

  it('wires queue_job into the cron runner only, and notices a conf that leaves it out', () => {
    expect(queueJobCheck(facts([{ name: 'shop', depends: [] }]), new Set()).message).toContain('nothing to wire');
    expect(queueJobCheck(facts([{ name: 'queue_job', depends: [] }]), new Set()).status).toBe('pass');
    expect(
      queueJobCheck(
        facts([{ name: 'queue_job', depends: [] }], { serverWideModules: ['base', 'web', 'session_redis'] }),
        null,
      ),
    ).toMatchObject({
      status: 'pass',
      message: expect.stringContaining('--load base,web,session_redis,queue_job (odoo.conf leaves it out'),
    });
    expect(queueJobCheck(facts([{ name: 'shop', depends: [] }]), new Set(['queue_job'])).message).toContain(
      'ODOO_QUEUE_JOB_CHANNELS=root:0',
    );
  });

  it('warns when odoo.conf fights the database filter or proxy mode Flipdeck sets', () => {
    expect(dbfilterCheck(null, 'shop', ['shop.example']).status).toBe('pass');
    expect(dbfilterCheck(facts([], { dbfilter: '.*' }) as never, 'shop', [])).toMatchObject({
      status: 'warn',
      fix: expect.stringContaining('^shop$'),
    });
    expect(dbfilterCheck(facts([], { proxyMode: false }) as never, 'shop', []).status).toBe('warn');
  });
});

describe('changed modules (-u only what changed)', () => {
  const stamp = (m: Record<string, [string, string]>) =>
    Object.fromEntries(Object.entries(m).map(([k, [version, hash]]) => [k, { version, hash }]));

  it('updates modules whose files or version changed, installs new ones, and calls an unchanged set code-only', () => {
    const live = stamp({ sale_x: ['1.0', 'aaa'], stock_x: ['1.0', 'bbb'], gone_x: ['1.0', 'ccc'] });
    const next = stamp({ sale_x: ['1.0', 'aaa'], stock_x: ['1.1', 'bbb'], new_x: ['1.0', 'ddd'] });
    const c = moduleChanges(live, next);
    expect(c).toMatchObject({
      update: ['stock_x'],
      added: ['new_x'],
      removed: ['gone_x'],
      unchanged: ['sale_x'],
      kind: 'schema-changing',
    });
    expect(modulesCheck(c)).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('update stock_x; new new_x'),
    });
    expect(
      moduleChanges(live, stamp({ sale_x: ['1.0', 'aaa'], stock_x: ['1.0', 'bbb'], gone_x: ['1.0', 'ccc'] })).kind,
    ).toBe('code-only');
    expect(moduleChanges(stamp({ a: ['1.0', 'x'] }), stamp({ a: ['1.0', 'y'] })).update).toEqual(['a']);
    expect(moduleChanges(null, next).kind).toBe('unknown');
    // Not installed: Odoo would ignore -u, so it is not an update.
    expect(moduleChanges(live, next, new Set(['sale_x'])).update).toEqual([]);
    expect(
      moduleStamp([
        { name: 'a', dir: 'a', version: '1', depends: [], installable: true, hash: 'h' },
        { name: 'b', dir: 'b', version: '1', depends: [], installable: false, hash: 'h' },
      ]),
    ).toEqual({ a: { version: '1', hash: 'h' } });
  });
});
