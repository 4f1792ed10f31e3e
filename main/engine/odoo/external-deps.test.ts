// The external-dependency script run for real by this machine's python3, against distributions and
// programs made in a temp dir (no network, nothing installed): with packaging, and with packaging
// hidden as on a plain Debian python3, the answers are the same.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  externalDependencyCommand,
  externalDependencyList,
  externalDependencyProblems,
  parseExternalDependencyOutput,
  type ExternalDependency,
} from './external-deps';

const hasPython = spawnSync('python3', ['--version']).status === 0;
const hasPackaging = hasPython && spawnSync('python3', ['-c', 'import packaging.requirements']).status === 0;

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-py-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const dist = (name: string, version: string) => ({
  [`${name.replace(/-/g, '_')}-${version}.dist-info/METADATA`]: `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`,
});

const site = tree({
  ...dist('sentry-sdk', '2.1.0'),
  'sentry_sdk/__init__.py': '',
  ...dist('python-dateutil', '2.9.0'),
  'dateutil/__init__.py': '',
  'flipdeck_importable_only/__init__.py': '',
});
/** A `packaging` that cannot be imported: what a python3 without python3-packaging sees. */
const noPackaging = tree({ 'packaging/__init__.py': "raise ImportError('hidden by the test')\n" });
const bin = tree({ 'flipdeck-fake-tool': '#!/bin/sh\n' });
chmodSync(path.join(bin, 'flipdeck-fake-tool'), 0o755);

function check(deps: ExternalDependency[], withPackaging: boolean) {
  const [cmd, ...args] = externalDependencyCommand(deps);
  const r = spawnSync(cmd!, args, {
    encoding: 'utf8',
    env: {
      PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
      HOME: process.env.HOME ?? os.tmpdir(),
      PYTHONPATH: withPackaging ? site : `${noPackaging}${path.delimiter}${site}`,
    },
  });
  expect(r.stderr).toBe('');
  return parseExternalDependencyOutput(r.stdout)!;
}

const py = (requirement: string): ExternalDependency => ({ addon: 'shop', kind: 'python', requirement });

const CASES: [string, string, string | null][] = [
  ['python-dateutil', 'ok', 'distribution'],
  ['dateutil', 'ok', 'import'],
  ['flipdeck_importable_only', 'ok', 'import'],
  ['sentry_sdk<=1.9.0', 'version', 'distribution'],
  ['sentry-sdk>=2,<3', 'ok', 'distribution'],
  ['sentry_sdk~=2.0', 'ok', 'distribution'],
  ['sentry_sdk~=1.5', 'version', 'distribution'],
  ['python-dateutil==2.9.*', 'ok', 'distribution'],
  ['python-dateutil!=2.9.0', 'version', 'distribution'],
  ['python-dateutil>2.9.0', 'version', 'distribution'],
  ['python-dateutil<2.10', 'ok', 'distribution'],
  ['flipdeck_no_such_lib', 'missing', null],
  ['not a requirement!!', 'invalid', null],
  ["sentry_sdk<1; python_version < '3'", 'skipped', null],
];

describe.skipIf(!hasPython)(
  `external dependencies, checked by python3${hasPython ? '' : ' (skipped: no python3 on this machine)'}`,
  () => {
    for (const withPackaging of [true, false]) {
      it(`reads requirements as Odoo does ${withPackaging ? 'with packaging' : 'without packaging (plain Debian)'}`, () => {
        const out = check(
          CASES.map(([r]) => py(r)),
          withPackaging,
        );
        expect(out.map((r) => [r.requirement, r.status, r.via ?? null])).toEqual(CASES);
        expect(out.find((r) => r.requirement === 'sentry_sdk<=1.9.0')).toMatchObject({ installed: '2.1.0' });
        // Which parser answered: only packaging evaluates an environment marker.
        const marker = out.find((r) => r.requirement.includes(';'))!.detail;
        if (!withPackaging) expect(marker).toContain('not evaluated (no packaging)');
        else if (hasPackaging) expect(marker).toBe('environment marker does not match');
      });
    }

    it('looks programs up on PATH', () => {
      const out = check(
        [
          { addon: 'report_x', kind: 'bin', requirement: 'flipdeck-fake-tool' },
          { addon: 'report_x', kind: 'bin', requirement: 'flipdeck-no-such-program' },
        ],
        true,
      );
      expect(out.map((r) => r.status)).toEqual(['ok', 'missing']);
      expect(out[0]!.installed).toBe(path.join(bin, 'flipdeck-fake-tool'));
    });

    it('names the addon, the library and the Dockerfile fix', () => {
      const deps = externalDependencyList(
        [
          { name: 'sentry', externalDependencies: { python: ['sentry_sdk<=1.9.0', 'python-dateutil'], bin: [] } },
          { name: 'not_installed', externalDependencies: { python: ['flipdeck_no_such_lib'], bin: [] } },
          { name: 'plain' },
        ],
        new Set(['sentry', 'plain']),
      );
      expect(deps).toEqual([py('sentry_sdk<=1.9.0'), py('python-dateutil')].map((d) => ({ ...d, addon: 'sentry' })));
      expect(externalDependencyProblems(check(deps, true))).toEqual([
        {
          addon: 'sentry',
          library: 'sentry_sdk<=1.9.0',
          message: 'sentry needs sentry_sdk<=1.9.0; the image has sentry_sdk 2.1.0',
          fix: "install it in the Dockerfile: RUN pip install 'sentry_sdk<=1.9.0'",
        },
      ]);
    });
  },
);

describe('the script answer', () => {
  it('is read from the last line; anything else is no answer', () => {
    expect(parseExternalDependencyOutput('warning\n[{"status": "ok"}]\n')).toEqual([{ status: 'ok' }]);
    expect(parseExternalDependencyOutput('Traceback …')).toBeNull();
    expect(parseExternalDependencyOutput('{}')).toBeNull();
  });

  it('says how to fix a missing program and a declaration Odoo cannot read', () => {
    const [missing, invalid] = externalDependencyProblems([
      { addon: 'report_x', kind: 'bin', requirement: 'wkhtmltopdf', status: 'missing' },
      { addon: 'x', kind: 'python', requirement: 'a b', status: 'invalid', detail: 'not a requirement' },
    ]);
    expect(missing).toMatchObject({ library: 'wkhtmltopdf', fix: expect.stringContaining('apt-get install') });
    expect(invalid!.message).toContain('not a requirement');
  });
});
