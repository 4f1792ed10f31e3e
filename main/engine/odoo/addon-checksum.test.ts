// The addon checksum follows click-odoo-update's rules: each exclude pattern, the language rule for
// .po files, and Flipdeck's README choice — every case changes a file and sees whether the checksum
// moves, with a kept file beside it as the control.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addonChecksum, addonChecksumParts, checksumOf, isExcluded, keptPrefixes, poPrefix } from './addon-checksum';

function addon(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-addon-'));
  for (const [rel, text] of Object.entries(files)) write(dir, rel, text);
  return dir;
}

function write(dir: string, rel: string, text: string): void {
  mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  writeFileSync(path.join(dir, rel), text);
}

const BASE = {
  '__manifest__.py': "{'name': 'x', 'version': '17.0.1.0.0'}",
  '__init__.py': 'from . import models\n',
  'models/__init__.py': '',
  'models/x.py': 'x = 1\n',
  'i18n/fr.po': 'msgid "a"\nmsgstr "b"\n',
  'i18n/de.po': 'msgid "a"\nmsgstr "c"\n',
};

describe('addon checksum: what does not need -u', () => {
  const EN = ['en_US'];
  it.each([
    ['a compiled file (*.pyc)', 'models/__pycache__/x.cpython-311.pyc'],
    ['an optimised file (*.pyo)', 'models/x.pyo'],
    ['the i18n template (i18n/*.pot)', 'i18n/x.pot'],
    ['the i18n_extra template (i18n_extra/*.pot)', 'i18n_extra/x.pot'],
    ['static files (static/*)', 'static/description/index.html'],
    ['deep static files (static/*)', 'static/src/js/widget.js'],
    ['tests (tests/*)', 'tests/test_x.py'],
    ['README.rst (Flipdeck)', 'README.rst'],
    ['README.md (Flipdeck)', 'README.md'],
    ['the readme/ fragments (Flipdeck)', 'readme/DESCRIPTION.md'],
  ])('%s: adding or changing %s leaves the checksum alone', (_what, rel) => {
    const dir = addon({ ...BASE, [rel]: 'one' });
    const before = addonChecksum(dir, EN);
    write(dir, rel, 'two');
    expect(addonChecksum(dir, EN)).toBe(before);
    rmSync(path.join(dir, rel));
    expect(addonChecksum(dir, EN)).toBe(before);
    // The control: a kept file still moves it.
    write(dir, 'models/x.py', 'x = 2\n');
    expect(addonChecksum(dir, EN)).not.toBe(before);
  });

  it.each([
    ['a static dir that is not the top one', 'models/static/x.js'],
    ['a .pot outside i18n/', 'data/x.pot'],
    ['a tests dir below the top', 'models/tests/x.py'],
    ['a README below the top', 'models/README.rst'],
    ['a data file', 'data/data.xml'],
    ['an empty file (its path is hashed)', 'security/empty.csv'],
  ])('%s (%s) does need -u', (_what, rel) => {
    const dir = addon(BASE);
    const before = addonChecksum(dir, EN);
    write(dir, rel, '');
    expect(addonChecksum(dir, EN)).not.toBe(before);
  });

  it('keeps the .po of a language by its prefix, as update.py does', () => {
    expect(keptPrefixes(['en_US', 'fr_BE'])).toEqual(new Set(['en', 'fr']));
    expect(keptPrefixes([])).toBeNull();
    expect(poPrefix('i18n/fr_BE.po')).toBe('fr');
    expect(poPrefix('i18n_extra/pt.po')).toBe('pt');
    expect(poPrefix('data/fr.po')).toBeNull();
    expect(poPrefix('i18n/sub/fr.po')).toBeNull();

    const dir = addon(BASE);
    const en = addonChecksum(dir, ['en_US']);
    const fr = addonChecksum(dir, ['en_US', 'fr_BE']);
    write(dir, 'i18n/fr.po', 'msgid "a"\nmsgstr "changed"\n');
    expect(addonChecksum(dir, ['en_US'])).toBe(en);
    expect(addonChecksum(dir, ['en_US', 'fr_BE'])).not.toBe(fr);
    // fr_BE.po and, by the same prefix rule, fr_CA.po count for an fr_BE database; de.po does not.
    const fr2 = addonChecksum(dir, ['en_US', 'fr_BE']);
    write(dir, 'i18n/fr_BE.po', 'x');
    expect(addonChecksum(dir, ['en_US', 'fr_BE'])).not.toBe(fr2);
    const fr3 = addonChecksum(dir, ['en_US', 'fr_BE']);
    write(dir, 'i18n/fr_CA.po', 'x');
    expect(addonChecksum(dir, ['en_US', 'fr_BE'])).not.toBe(fr3);
    const fr4 = addonChecksum(dir, ['en_US', 'fr_BE']);
    write(dir, 'i18n_extra/de.po', 'x');
    write(dir, 'i18n/de.po', 'y');
    expect(addonChecksum(dir, ['en_US', 'fr_BE'])).toBe(fr4);
    // No language known: every .po counts (click-odoo-update with an empty list).
    const all = addonChecksum(dir, []);
    write(dir, 'i18n/de.po', 'z');
    expect(addonChecksum(dir, [])).not.toBe(all);
  });

  it('is deterministic, and the stored parts give the same checksum as the files', () => {
    const a = addon(BASE);
    const b = addon(Object.fromEntries(Object.entries(BASE).reverse()));
    expect(addonChecksum(a, ['fr_FR'])).toBe(addonChecksum(b, ['fr_FR']));
    expect(addonChecksum(a, ['fr_FR'])).toMatch(/^[0-9a-f]{64}$/);
    const parts = addonChecksumParts(a);
    expect(Object.keys(parts.po)).toEqual(['de', 'fr']);
    expect(checksumOf(JSON.parse(JSON.stringify(parts)) as typeof parts, ['fr_FR'])).toBe(addonChecksum(a, ['fr_FR']));
    // A file's content moved to another name is a change: paths are hashed, not only contents.
    write(a, 'models/y.py', 'x = 1\n');
    rmSync(path.join(a, 'models/x.py'));
    expect(addonChecksum(a, ['fr_FR'])).not.toBe(addonChecksum(b, ['fr_FR']));
  });

  it('matches patterns like fnmatch, on the whole relative path', () => {
    expect(isExcluded('static/description/icon.png')).toBe(true);
    expect(isExcluded('i18n/fr.po')).toBe(false);
    expect(isExcluded('statics/x')).toBe(false);
    expect(isExcluded('x.pyc.bak')).toBe(false);
  });
});
