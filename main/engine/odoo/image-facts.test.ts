// The image-facts script run for real by this machine's python3 against a fake image laid out in a
// temp dir: an `odoo` package on PYTHONPATH (core addons, a namespace addons path), a pip-installed
// addon in a second site-packages, a conf (ODOO_RC) with an addons_path holding an uninstallable
// addon and a directory without `__init__.py`, and distributions for the external-dependency part.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { coreVersions, imageFactsCommand, loadableAddons, parseImageFacts } from './image-facts';

const hasPython = spawnSync('python3', ['--version']).status === 0;

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-img-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const addon = (dir: string, manifest: Record<string, unknown>, init = true) => ({
  [`${dir}/__manifest__.py`]: `# a comment, as real manifests have\n${JSON.stringify(manifest).replace(/false/g, 'False').replace(/true/g, 'True')}\n`,
  ...(init ? { [`${dir}/__init__.py`]: '' } : {}),
});

/** The odoo package as the stock image ships it: core addons inside it, a pkgutil namespace for pip's. */
const odooRoot = tree({
  // Odoo's own odoo/__init__.py extends its path the same way, so site-packages/odoo/addons joins.
  'odoo/__init__.py': "__path__ = __import__('pkgutil').extend_path(__path__, __name__)\nfrom . import release\n",
  'odoo/release.py': "version = '17.0'\n",
  'odoo/addons/__init__.py': "__path__ = __import__('pkgutil').extend_path(__path__, __name__)\n",
  ...addon('odoo/addons/base', { name: 'Base', version: '1.3', depends: [] }),
  ...addon('odoo/addons/web', { name: 'Web', version: '1.0', depends: ['base'] }),
  ...addon('odoo/addons/old_core', { name: 'Old', installable: false }),
  // pip put this one beside Odoo's own (Odoo installed by pip in the same site-packages): not core.
  ...addon('odoo/addons/pip_beside', { name: 'Beside', version: '17.0.1.0.0' }),
  'odoo14_addon_pip_beside-17.0.1.0.0.dist-info/METADATA':
    'Metadata-Version: 2.1\nName: odoo14-addon-pip-beside\nVersion: 17.0.1.0.0\n',
});
const site = tree({
  ...addon('odoo/addons/pip_addon', { name: 'Pip', version: '17.0.1.0.0', depends: ['web'] }),
  'odoo_addon_pip_addon-17.0.1.0.0.dist-info/METADATA':
    'Metadata-Version: 2.1\nName: odoo-addon-pip_addon\nVersion: 17.0.1.0.0\n',
  'sentry_sdk-2.1.0.dist-info/METADATA': 'Metadata-Version: 2.1\nName: sentry-sdk\nVersion: 2.1.0\n',
  'sentry_sdk/__init__.py': '',
});
const extra = tree({
  ...addon('shop', { name: 'Shop', version: '17.0.2.0.0', depends: ['pip_addon'] }),
  ...addon('shop_legacy', { name: 'Legacy', installable: false }),
  ...addon('no_init', { name: 'No init' }, false),
  ...addon('web', { name: 'A second web', version: '9.9' }),
  'not_an_addon/README.md': 'nothing here',
});
const conf = tree({ 'odoo.conf': `[options]\naddons_path = ${extra}, /nonexistent/path\ndata_dir = /tmp\n` });

function run(env: Record<string, string>, deps: Parameters<typeof imageFactsCommand>[0] = []) {
  const [cmd, ...args] = imageFactsCommand(deps);
  const r = spawnSync(cmd!, args, {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), ...env },
  });
  expect(r.stderr).toBe('');
  return parseImageFacts(r.stdout)!;
}

describe.skipIf(!hasPython)(
  `the image-facts script, run by python3${hasPython ? '' : ' (skipped: no python3 on this machine)'}`,
  () => {
    const env = {
      PYTHONPATH: `${odooRoot}${path.delimiter}${site}`,
      ODOO_RC: path.join(conf, 'odoo.conf'),
    };

    it("lists Odoo's own addons, pip-installed ones and the conf's addons_path, as Odoo loads them", () => {
      const f = run(env);
      expect(f.odoo).toMatchObject({ version: '17.0' });
      expect(f.conf).toBe(path.join(conf, 'odoo.conf'));
      expect(Object.keys(f.addons).sort()).toEqual([
        'base',
        'old_core',
        'pip_addon',
        'pip_beside',
        'shop',
        'shop_legacy',
        'web',
      ]);
      // Odoo's own path comes first: its web wins over the addons_path's.
      expect(f.addons['web']).toMatchObject({ version: '1.0', core: true });
      expect(f.addons['pip_addon']).toMatchObject({ installable: true, core: false, version: '17.0.1.0.0' });
      expect(f.addons['shop']).toMatchObject({ core: false });
      expect(f.ignored).toEqual([{ name: 'no_init', path: path.join(extra, 'no_init'), why: 'no __init__.py' }]);
      expect([...loadableAddons(f)].sort()).toEqual(['base', 'pip_addon', 'pip_beside', 'shop', 'web']);
      expect(coreVersions(f)).toEqual({ base: '1.3', web: '1.0', old_core: null });
    });

    it('answers without an odoo package or a conf', () => {
      const bare = run({ PYTHONPATH: conf, ODOO_RC: path.join(conf, 'missing.conf') });
      expect(bare.odoo).toBeNull();
      expect(bare.odooError).toContain('cannot import odoo');
      expect(bare.conf).toBeNull();
      expect(bare.addons).toEqual({});
    });

    it('checks the external dependencies in the same run', () => {
      const f = run(env, [
        { addon: 'shop', kind: 'python', requirement: 'sentry_sdk<=1.9.0' },
        { addon: 'shop', kind: 'python', requirement: 'flipdeck_no_such_lib' },
        { addon: 'shop', kind: 'bin', requirement: 'sh' },
      ]);
      expect(f.external.map((r) => [r.requirement, r.status])).toEqual([
        ['sentry_sdk<=1.9.0', 'version'],
        ['flipdeck_no_such_lib', 'missing'],
        ['sh', 'ok'],
      ]);
    });

    it('takes the requirements as data: a quote or code in one is just a name', () => {
      const f = run(env, [{ addon: 'x', kind: 'python', requirement: "os'); import sys; sys.exit(3) #" }]);
      expect(f.external[0]).toMatchObject({ status: 'invalid' });
    });
  },
);

describe("the script's answer", () => {
  it('is read from the last line; anything else is no answer', () => {
    expect(parseImageFacts('noise\n{"addons": {}, "external": []}')).toMatchObject({ addons: {}, paths: [] });
    expect(parseImageFacts('Traceback …')).toBeNull();
    expect(parseImageFacts('[]')).toBeNull();
  });
});
