import { describe, expect, it } from 'vitest';
import { commandLine, quoteArg } from './shell-quote';

export const HOSTILE = [
  '; rm -rf /tmp/x',
  '$(touch /tmp/flipdeck-marker)',
  '`touch /tmp/flipdeck-marker`',
  "it's",
  '"double"',
  'a\nb; touch /tmp/flipdeck-marker',
  '--help',
  '-rf',
  '',
  ' ',
  '*',
  '~',
  '$HOME',
  '\\',
  'ünïcødé ✓ 日本',
  'x'.repeat(10_000),
  "'; touch /tmp/flipdeck-marker; '",
  '>out',
  '|cat',
  '&&true',
];

describe('shell quoting', () => {
  it('leaves plain words alone and quotes everything else', () => {
    expect(quoteArg('docker')).toBe('docker');
    expect(quoteArg('/var/run/docker.sock')).toBe('/var/run/docker.sock');
    expect(quoteArg("it's")).toBe(`'it'\\''s'`);
    expect(quoteArg('-rf')).toBe(`'-rf'`);
    expect(quoteArg('')).toBe(`''`);
    expect(commandLine(['printf', '%s', '$(id)'])).toBe(`printf %s '$(id)'`);
  });

  it('only ever produces single-quoted strings for hostile input', () => {
    for (const s of HOSTILE) {
      const q = quoteArg(s);
      if (q !== s) {
        expect(q.startsWith("'") && q.endsWith("'")).toBe(true);
        // Outside the quotes only the escaped quote sequence may appear.
        expect(
          q
            .slice(1, -1)
            .split(`'\\''`)
            .every((part) => !part.includes("'")),
        ).toBe(true);
      }
    }
  });

  it('refuses NUL bytes and empty commands', () => {
    expect(() => quoteArg('a\0b')).toThrow(/NUL/);
    expect(() => commandLine([])).toThrow(/empty/);
  });
});
