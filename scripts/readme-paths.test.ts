// The README's "where things live" tables are how a newcomer finds a capability: every path they
// name must exist, and every capability the house promises must have a row.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const section = readme.slice(
  readme.indexOf('## Where things live'),
  readme.indexOf('\n## ', readme.indexOf('## Where things live') + 1) >>> 0 || undefined,
);

const CAPABILITIES = [
  'deploy flow',
  'strategies',
  'flip and drain',
  'readiness',
  'pre-flight',
  'module update',
  'resources',
  'terminal',
  'logs',
  'audit',
  'fleet',
  'CLI',
];

describe('README: where things live', () => {
  const paths = [...section.matchAll(/`([^`\s]+)`/g)]
    .map((m) => m[1]!)
    .filter((p) => /^(main|shared|renderer|preload|e2e|bench|scripts)\//.test(p));

  it('names paths', () => expect(paths.length).toBeGreaterThan(30));

  it.each(CAPABILITIES)('has a row for %s', (capability) => {
    expect(section).toMatch(new RegExp(`^\\| ${capability.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[ (|]`, 'm'));
  });

  it('every path it names exists', () => {
    expect(paths.filter((p) => !existsSync(path.join(root, p)))).toEqual([]);
  });
});
