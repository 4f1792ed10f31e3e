// The module stamp with click-odoo-update's rules, on real files: a change only to another
// language's .po, a .pot or the module's description page is not an update; the database's
// languages decide the .po files; a live image stamped before these rules still compares.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSourceFacts } from '../source-facts';
import { decodePo, encodePo, moduleChanges, moduleStamp, type ModuleStamp } from './modules';

function write(dir: string, rel: string, text: string): void {
  mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  writeFileSync(path.join(dir, rel), text);
}

function shop(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-stamp-'));
  write(dir, 'addons/shop/__manifest__.py', "{'version': '17.0.1.0.0', 'depends': ['sale']}");
  write(dir, 'addons/shop/__init__.py', 'from . import models\n');
  write(dir, 'addons/shop/models.py', 'x = 1\n');
  write(dir, 'addons/shop/i18n/fr.po', 'msgid "a"\nmsgstr "b"\n');
  write(dir, 'addons/shop/i18n/shop.pot', 'msgid "a"\n');
  write(dir, 'addons/shop/static/description/index.html', '<p>shop</p>');
  return dir;
}

/** As the image label carries it: JSON, read back. */
const stampOf = (dir: string): ModuleStamp =>
  JSON.parse(JSON.stringify(moduleStamp(readSourceFacts(dir).addons))) as ModuleStamp;

describe('module stamp with the database languages', () => {
  it('a changed fr.po is no update on an English-only database, and one when fr_FR is installed', () => {
    const dir = shop();
    const live = stampOf(dir);
    write(dir, 'addons/shop/i18n/fr.po', 'msgid "a"\nmsgstr "c"\n');
    const next = stampOf(dir);
    expect(moduleChanges(live, next, null, ['en_US'])).toMatchObject({ kind: 'code-only', unchanged: ['shop'] });
    expect(moduleChanges(live, next, null, ['en_US', 'fr_FR'])).toMatchObject({
      kind: 'schema-changing',
      update: ['shop'],
    });
    // Languages unknown: every .po counts, as click-odoo-update does with no language.
    expect(moduleChanges(live, next).update).toEqual(['shop']);
  });

  it('a .pot or the description page alone is no update; code is', () => {
    const dir = shop();
    const live = stampOf(dir);
    write(dir, 'addons/shop/i18n/shop.pot', 'msgid "b"\n');
    write(dir, 'addons/shop/static/description/index.html', '<p>new</p>');
    write(dir, 'addons/shop/README.rst', 'Shop\n====\n');
    expect(moduleChanges(live, stampOf(dir), null, ['en_US']).kind).toBe('code-only');
    write(dir, 'addons/shop/models.py', 'x = 2\n');
    expect(moduleChanges(live, stampOf(dir), null, ['en_US']).update).toEqual(['shop']);
  });

  it('writes the .po hashes compactly and reads them back', () => {
    const po = { de: '0123456789abcdef', fr: 'fedcba9876543210', sr: 'aaaaaaaaaaaaaaaa' };
    expect(encodePo(po)).toBe('de.0123456789abcdef~fr.fedcba9876543210~sr.aaaaaaaaaaaaaaaa');
    expect(decodePo(encodePo(po))).toEqual(po);
    expect(decodePo(undefined)).toEqual({});
    expect(stampOf(shop()).shop).toMatchObject({ po: expect.stringMatching(/^fr\.[0-9a-f]{16}$/) });
  });

  it('a live image stamped before these rules (hash only) compares by its hash', () => {
    const dir = shop();
    const old = Object.fromEntries(
      Object.entries(stampOf(dir)).map(([k, v]) => [k, { version: v.version, hash: v.hash }]),
    );
    expect(moduleChanges(old, stampOf(dir), null, ['en_US']).kind).toBe('code-only');
    write(dir, 'addons/shop/i18n/fr.po', 'changed');
    // The old stamp cannot tell a .po from code: the old rule (every file) decides, once.
    expect(moduleChanges(old, stampOf(dir), null, ['en_US']).update).toEqual(['shop']);
  });
});
