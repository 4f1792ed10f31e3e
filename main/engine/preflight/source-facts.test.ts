// Reading a source on fixtures: the doodba, camptocamp and plain layouts and a conf's addons_path
// reach the same facts, and each addon carries its external dependencies and checksum parts.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseExternalDependencies, parseOdooConf, pipAddonNames, readSourceFacts } from './source-facts';

function source(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-src-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const addon = (dir: string, manifest = "{'version': '17.0.1.0.0', 'depends': ['base']}") => ({
  [`${dir}/__manifest__.py`]: manifest,
  [`${dir}/__init__.py`]: '',
});

describe('external_dependencies in a manifest', () => {
  it('reads python and bin lists as text (both quotes, tuples, comments), never evaluating the manifest', () => {
    const text = `{
    'name': 'Sentry',
    # 'external_dependencies': {'python': ['commented_out']},
    "external_dependencies": {
        "python": ["sentry_sdk<=1.9.0", 'python-dateutil'],  # pinned
        'bin': ('wkhtmltopdf',),
        'deb': ['libldap2-dev'],
    },
    'depends': ['base'],
}`;
    expect(parseExternalDependencies(text)).toEqual({
      python: ['sentry_sdk<=1.9.0', 'python-dateutil'],
      bin: ['wkhtmltopdf'],
    });
    expect(parseExternalDependencies("{'depends': ['base']}")).toEqual({ python: [], bin: [] });
  });
});

describe('addons by layout', () => {
  it('finds the addons of a doodba source (0 before: they sit five levels down)', () => {
    const dir = source({
      ...addon('odoo/custom/src/private/shop', "{'version': '17.0.1.0.0', 'depends': ['queue_job']}"),
      ...addon(
        'odoo/custom/src/queue/queue_job',
        "{'version': '17.0.2.0.0', 'external_dependencies': {'python': ['requests']}}",
      ),
    });
    const f = readSourceFacts(dir);
    expect(f.addonsLayout).toBe('doodba');
    expect(f.addons.map((a) => [a.name, a.dir])).toEqual([
      ['shop', 'odoo/custom/src/private/shop'],
      ['queue_job', 'odoo/custom/src/queue/queue_job'],
    ]);
    expect(f.addons[1]).toMatchObject({
      version: '17.0.2.0.0',
      externalDependencies: { python: ['requests'], bin: [] },
    });
    expect(f.addons[0]!.checksum).toEqual({ core: expect.stringMatching(/^[0-9a-f]{16}$/), po: {} });
  });

  it('finds the addons of a camptocamp source (external-src was 0 before)', () => {
    const dir = source({ ...addon('odoo/external-src/queue/queue_job'), ...addon('odoo/local-src/mine') });
    const f = readSourceFacts(dir);
    expect(f.addonsLayout).toBe('camptocamp');
    expect(f.addons.map((a) => a.dir)).toEqual(['odoo/external-src/queue/queue_job', 'odoo/local-src/mine']);
  });

  it("follows the shipped odoo.conf's addons_path through the Dockerfile, and says what it could not map", () => {
    const dir = source({
      Dockerfile: 'FROM odoo:17.0\nCOPY ./src/addons /mnt/extra-addons\n',
      'odoo.conf': '[options]\naddons_path = /mnt/extra-addons, /usr/lib/python3/dist-packages/odoo/addons\n',
      ...addon('src/addons/shop'),
      ...addon('elsewhere/not_on_the_path'),
    });
    expect(parseOdooConf('[options]\naddons_path = /a, /b ,\n').addonsPath).toEqual(['/a', '/b']);
    const f = readSourceFacts(dir);
    expect(f).toMatchObject({
      addonsLayout: 'addons_path',
      unmappedAddonsPath: ['/usr/lib/python3/dist-packages/odoo/addons'],
    });
    expect(f.addons.map((a) => a.dir)).toEqual(['src/addons/shop']);
  });

  it('keeps reading a plain source (addons at the root or a few levels down)', () => {
    const dir = source({ ...addon('shop'), ...addon('addons/stock_x') });
    const f = readSourceFacts(dir);
    expect(f.addonsLayout).toBe('scan');
    expect(f.addons.map((a) => a.dir)).toEqual(['addons/stock_x', 'shop']);
  });
});

describe('addons the Dockerfile pip-installs', () => {
  it('reads odoo-addon-* distribution names, with or without a series or a version', () => {
    const text = [
      'RUN pip install --no-cache-dir odoo-addon-mis_builder==17.0.1.0.0 "odoo-addon-queue-job>=17.0"',
      'RUN pip install odoo14-addon-account.fiscal_year odoo-addons-oca-server-tools',
    ].join('\n');
    expect(pipAddonNames(text)).toEqual(['account_fiscal_year', 'mis_builder', 'queue_job']);
  });
});
