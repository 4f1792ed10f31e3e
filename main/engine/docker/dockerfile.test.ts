import { describe, expect, it } from 'vitest';
import { baseImageOf, copyLines } from './dockerfile';

describe('baseImageOf', () => {
  it.each([
    ['FROM odoo:17.0\nCOPY addons /mnt/extra-addons\n', 'odoo:17.0'],
    ['FROM --platform=linux/amd64 odoo:18.0', 'odoo:18.0'],
    ['FROM odoo:17.0 AS base\nFROM odoo:17.0-20261101\nCOPY addons /mnt/extra-addons\n', 'odoo:17.0-20261101'],
    [
      'FROM python:3.11 AS wheels\nRUN pip wheel x\nFROM odoo:17.0 AS app\nFROM app\nCOPY --from=wheels /w /w\n',
      'odoo:17.0',
    ],
    ['ARG BASE=odoo:17.0\nFROM $BASE\n', null],
    ['FROM scratch\n', null],
    ['', null],
  ])('%j → %s', (text, image) => expect(baseImageOf(text)).toBe(image));
});

describe('copyLines', () => {
  it('reads the copies from the build context, in both forms, and leaves out copies from other stages', () => {
    const text = [
      'FROM odoo:17.0',
      'COPY --chown=odoo:odoo addons /mnt/extra-addons',
      'COPY --from=wheels /w /w',
      'ADD ["./odoo/local-src", "/odoo/local-src"]',
      'COPY a \\',
      '  b /opt/x/',
    ].join('\n');
    expect(copyLines(text)).toEqual([
      { sources: ['addons'], dest: '/mnt/extra-addons' },
      { sources: ['./odoo/local-src'], dest: '/odoo/local-src' },
      { sources: ['a', 'b'], dest: '/opt/x/' },
    ]);
  });
});
