// Addon discovery on fixture sources: doodba, camptocamp, a plain one, and an odoo.conf whose
// addons_path is mapped back to the source.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addonManifest, findAddonDirs, sourceDirsFor } from './addon-dirs';
import { copyLines } from '../docker/dockerfile';

function source(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-layout-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

/** A loadable addon's two files. */
const addon = (dir: string, manifest = '__manifest__.py') => ({
  [`${dir}/${manifest}`]: "{'version': '17.0.1.0.0'}",
  [`${dir}/__init__.py`]: '',
});

describe('what an addon is', () => {
  it('needs a manifest (or the old __openerp__.py) and an __init__.py, as is_addons_path does', () => {
    const dir = source({ ...addon('a'), ...addon('old', '__openerp__.py'), 'b/__manifest__.py': '{}' });
    expect(addonManifest(path.join(dir, 'a'))).toBe('__manifest__.py');
    expect(addonManifest(path.join(dir, 'old'))).toBe('__openerp__.py');
    expect(addonManifest(path.join(dir, 'b'))).toBeNull();
  });
});

describe('finding the addons of a source', () => {
  it('reads a doodba layout: every repository under odoo/custom/src, private included', () => {
    const dir = source({
      ...addon('odoo/custom/src/private/shop'),
      ...addon('odoo/custom/src/server-tools/base_technical_user'),
      ...addon('odoo/custom/src/queue/queue_job'),
      // Odoo itself, aggregated as a repository: its addons sit one level deeper and are not the source's.
      ...addon('odoo/custom/src/odoo/addons/sale'),
      'odoo/custom/src/repos.yaml': '',
      'odoo/Dockerfile': 'FROM tecnativa/doodba:17.0-onbuild\n',
    });
    const found = findAddonDirs(dir);
    expect(found.layout).toBe('doodba');
    expect(found.dirs).toEqual([
      'odoo/custom/src/private/shop',
      'odoo/custom/src/queue/queue_job',
      'odoo/custom/src/server-tools/base_technical_user',
    ]);
  });

  it('reads a camptocamp layout: odoo/external-src/<repo> and odoo/local-src', () => {
    const dir = source({
      ...addon('odoo/external-src/queue/queue_job'),
      ...addon('odoo/external-src/web/web_responsive'),
      ...addon('odoo/local-src/my_shop'),
      'odoo/local-src/not_an_addon/__manifest__.py': '{}',
    });
    const found = findAddonDirs(dir);
    expect(found.layout).toBe('camptocamp');
    expect(found.dirs).toEqual([
      'odoo/external-src/queue/queue_job',
      'odoo/external-src/web/web_responsive',
      'odoo/local-src/my_shop',
    ]);
  });

  it('keeps scanning a plain source a few levels deep when it has no known layout', () => {
    const dir = source({ ...addon('addons/shop'), ...addon('oca/queue/queue_job'), ...addon('root_addon') });
    expect(findAddonDirs(dir)).toMatchObject({
      layout: 'scan',
      dirs: ['addons/shop', 'oca/queue/queue_job', 'root_addon'],
    });
  });

  it("maps the conf's addons_path back through the Dockerfile's COPY lines; the first of a name wins", () => {
    const dir = source({
      ...addon('addons/shop'),
      ...addon('vendor/oca/shop'),
      ...addon('vendor/oca/queue_job'),
      ...addon('unlisted/ignored'),
    });
    const copies = copyLines('FROM odoo:17.0\nCOPY addons /mnt/extra-addons\nCOPY ./vendor /mnt/vendor\n');
    const found = findAddonDirs(
      dir,
      ['/mnt/extra-addons', '/mnt/vendor/oca', '/usr/lib/python3/dist-packages/odoo/addons'],
      copies,
    );
    expect(found).toEqual({
      layout: 'addons_path',
      roots: ['addons', 'vendor/oca'],
      dirs: ['addons/shop', 'vendor/oca/queue_job'],
      unmapped: ['/usr/lib/python3/dist-packages/odoo/addons'],
    });
  });

  it('maps doodba and camptocamp container paths, and a path that exists as is in the source', () => {
    const dir = source({
      ...addon('odoo/custom/src/private/shop'),
      ...addon('odoo/external-src/queue/queue_job'),
      ...addon('odoo/local-src/mine'),
      ...addon('extra/x'),
    });
    expect(sourceDirsFor(dir, '/opt/odoo/custom/src/private')).toEqual(['odoo/custom/src/private']);
    expect(sourceDirsFor(dir, '/opt/odoo/auto/addons')).toEqual(['odoo/custom/src/private']);
    expect(sourceDirsFor(dir, '/odoo/external-src/queue/')).toEqual(['odoo/external-src/queue']);
    expect(sourceDirsFor(dir, '/odoo/local-src')).toEqual(['odoo/local-src']);
    expect(sourceDirsFor(dir, '/extra')).toEqual(['extra']);
    expect(sourceDirsFor(dir, './extra')).toEqual(['extra']);
    expect(sourceDirsFor(dir, '/mnt/extra-addons')).toEqual([]);
  });
});
