// Odoo's core addons across a base image change: reported always, updated only with update_core.
import { describe, expect, it } from 'vitest';
import type { ImageFacts } from '../odoo/image-facts';
import type { ModuleChanges } from '../preflight/checks/modules';
import { coreUpdate, describeCoreUpdate, withCoreUpdate } from './core-update';

const image = (version: string, core: Record<string, string>, other: Record<string, string> = {}): ImageFacts => ({
  odoo: { version, dir: '/usr/lib/python3/dist-packages/odoo' },
  conf: null,
  paths: [],
  addons: Object.fromEntries([
    ...Object.entries(core).map(([n, v]) => [n, { path: `/o/${n}`, installable: true, version: v, core: true }]),
    ...Object.entries(other).map(([n, v]) => [n, { path: `/x/${n}`, installable: true, version: v, core: false }]),
  ]),
  ignored: [],
  external: [],
});

const live = image('17.0', { base: '1.3', web: '1.0', mail: '1.10', sale: '1.2' }, { shop: '1.0' });
const next = image('17.0+e', { base: '1.4', web: '1.0', mail: '1.11', sale: '1.3', account: '1.0' }, { shop: '2.0' });
const codeOnly: ModuleChanges = { update: [], added: [], removed: [], unchanged: ['shop'], kind: 'code-only' };

describe('core addons when the base image changed', () => {
  it('reports the changed core addons but leaves them out of -u without update_core', () => {
    const c = coreUpdate(live, next, null, false);
    expect(c.changed).toEqual([
      { name: 'base', from: '1.3', to: '1.4' },
      { name: 'mail', from: '1.10', to: '1.11' },
      { name: 'sale', from: '1.2', to: '1.3' },
    ]);
    expect(c.update).toEqual([]);
    expect(withCoreUpdate(codeOnly, c)).toBe(codeOnly);
    expect(describeCoreUpdate(c)).toContain('Odoo 17.0 → 17.0+e: the base image');
    expect(describeCoreUpdate(c)).toContain('base 1.3 → 1.4, mail 1.10 → 1.11, sale 1.2 → 1.3 — not updated');
  });

  it('adds the installed ones to -u with update_core: the deploy becomes schema-changing', () => {
    const c = coreUpdate(live, next, new Set(['base', 'web', 'mail', 'shop']), true);
    expect(c.update).toEqual(['base', 'mail']);
    expect(withCoreUpdate(codeOnly, c)).toMatchObject({ update: ['base', 'mail'], kind: 'schema-changing' });
    expect(describeCoreUpdate(c)).toContain('updated (-u), as update_core: true asks');
  });

  it('says nothing when Odoo did not change, or when an image could not be asked', () => {
    expect(describeCoreUpdate(coreUpdate(live, live, null, true))).toBeNull();
    expect(coreUpdate(live, live, null, true).update).toEqual([]);
    expect(coreUpdate(null, next, null, true)).toMatchObject({ compared: false, update: [] });
  });
});
