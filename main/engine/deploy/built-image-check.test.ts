// The build step's verdict on the image it built: dependencies against what the image loads (an
// uninstallable addon, a directory without __init__.py or a database row is no dependency), and the
// external dependencies of the addons installed or about to be, named with their fix.
import { describe, expect, it } from 'vitest';
import type { AddonFacts, SourceFacts } from '../preflight/source-facts';
import type { ImageAddon, ImageFacts } from '../odoo/image-facts';
import { builtImageVerdict, externalDepsPlan } from './built-image-check';

const addon = (name: string, depends: string[], more: Partial<AddonFacts> = {}): AddonFacts => ({
  name,
  dir: `addons/${name}`,
  version: '17.0.1.0.0',
  depends,
  installable: true,
  hash: name,
  ...more,
});
const src = (addons: AddonFacts[]): SourceFacts => ({ addons, baseImage: 'odoo:17', conf: null, confPath: null });
const img = (addons: Record<string, Partial<ImageAddon>>, more: Partial<ImageFacts> = {}): ImageFacts => ({
  odoo: { version: '17.0', dir: '/usr/lib/python3/dist-packages/odoo' },
  conf: '/etc/odoo/odoo.conf',
  paths: [],
  addons: Object.fromEntries(
    Object.entries(addons).map(([n, a]) => [
      n,
      { path: `/x/${n}`, installable: true, version: '1.0', core: false, ...a },
    ]),
  ),
  ignored: [],
  external: [],
  ...more,
});

describe('the built image against the source', () => {
  const shop = src([addon('shop', ['web', 'mis_builder']), addon('shop_extra', ['shop'])]);

  it('passes when every dependency is an installable addon of the image (a pip-installed one counts)', () => {
    const v = builtImageVerdict(shop, img({ web: { core: true }, mis_builder: {}, shop: {}, shop_extra: {} }), null);
    expect(v).toMatchObject({ refusal: null, warnings: [] });
    expect(v.log[0]).toContain('every dependency of 2 source addon(s) resolves');
  });

  it('refuses a dependency the image lacks, has only as installable: False, without __init__.py, or only as a database row', () => {
    const base = { web: {}, shop: {}, shop_extra: {} };
    expect(builtImageVerdict(shop, img(base), null).refusal).toContain('shop needs mis_builder');
    expect(builtImageVerdict(shop, img({ ...base, mis_builder: { installable: false } }), null).refusal).toContain(
      'shop needs mis_builder (installable: False)',
    );
    const noInit = img(base, { ignored: [{ name: 'mis_builder', path: '/x/mis_builder', why: 'no __init__.py' }] });
    expect(builtImageVerdict(shop, noInit, null).refusal).toContain(
      'shop needs mis_builder (/x/mis_builder: no __init__.py)',
    );
    expect(builtImageVerdict(shop, img(base), new Set(['mis_builder'])).refusal).toContain(
      'shop needs mis_builder (installed in the database, but its code is not in the image)',
    );
  });

  it('counts a source addon the listing does not see, with a warning (a conf written at start is not read)', () => {
    const v = builtImageVerdict(shop, img({ web: {}, mis_builder: {} }), null);
    expect(v.refusal).toBeNull();
    expect(v.warnings[0]).toContain("2 addon(s) of the source are not on the built image's addons path");
  });

  it('refuses a missing or wrong-version library naming the addon, the library and the fix', () => {
    const image = img(
      { web: {}, mis_builder: {}, shop: {}, shop_extra: {} },
      {
        external: [
          {
            addon: 'shop',
            kind: 'python',
            requirement: 'sentry_sdk<=1.9.0',
            status: 'version',
            name: 'sentry_sdk',
            installed: '2.1.0',
          },
          { addon: 'shop', kind: 'bin', requirement: 'wkhtmltopdf', status: 'missing' },
          { addon: 'shop', kind: 'python', requirement: 'python-dateutil', status: 'ok' },
        ],
      },
    );
    const why = builtImageVerdict(shop, image, null).refusal!;
    expect(why).toContain(
      "shop needs sentry_sdk<=1.9.0; the image has sentry_sdk 2.1.0 — install it in the Dockerfile: RUN pip install 'sentry_sdk<=1.9.0'",
    );
    expect(why).toContain('shop needs the program wkhtmltopdf');
    expect(why).toContain('apt-get install');
    expect(why).not.toContain('dateutil');
  });
});

describe('which addons have their external dependencies checked', () => {
  const lib = (p: string) => ({ externalDependencies: { python: [p], bin: [] } });
  const s = src([
    addon('shop', ['web'], lib('a')),
    addon('report', ['web'], lib('b')),
    addon('new_one', ['helper'], lib('c')),
    addon('helper', [], lib('d')),
    addon('old', [], { installable: false, ...lib('e') }),
  ]);
  const live = {
    shop: { version: '1', hash: 'x' },
    report: { version: '1', hash: 'x' },
    helper: { version: '1', hash: 'x' },
  };

  it('every installable addon of the source when the database is unknown, and says so', () => {
    const p = externalDepsPlan(s, null, live);
    expect(p.deps.map((d) => d.requirement)).toEqual(['a', 'b', 'c', 'd']);
    expect(p.note).toContain('not known at build time');
  });

  it('the installed ones and those this deploy installs, with the source addons they pull in', () => {
    const p = externalDepsPlan(s, new Set(['base', 'web', 'shop']), live);
    expect(p.deps.map((d) => `${d.addon}:${d.requirement}`)).toEqual(['shop:a', 'new_one:c', 'helper:d']);
    expect(externalDepsPlan(s, new Set(['shop']), null).deps.map((d) => d.addon)).toEqual(['shop']);
  });
});
