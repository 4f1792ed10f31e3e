import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, parseBytes, parseDuration } from './units';

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['250ms', 250],
    ['1.5s', 1500],
    ['42', 42_000],
  ])('reads %s', (input, ms) => expect(parseDuration(input)).toBe(ms));
  it('takes plain numbers as seconds', () => expect(parseDuration(60)).toBe(60_000));
  it.each(['', 'soon', '10 minutes', '-5s', '5d', '$(reboot)'])('refuses %j with a hint', (bad) => {
    expect(() => parseDuration(bad)).toThrow(/write 90s, 15m/);
  });
  it('formats for people', () => {
    expect(formatDuration(420)).toBe('420 ms');
    expect(formatDuration(4200)).toBe('4.2 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
  });
});

describe('parseBytes', () => {
  it.each([
    ['512m', 512 * 1024 ** 2],
    ['2g', 2 * 1024 ** 3],
    ['1.5GiB', 1.5 * 1024 ** 3],
    ['100k', 102_400],
    ['4096', 4096],
  ])('reads %s', (input, bytes) => expect(parseBytes(input)).toBe(bytes));
  it.each(['lots', '2t', '-1g', '1g;reboot'])('refuses %j', (bad) =>
    expect(() => parseBytes(bad)).toThrow(/write 512m, 2g/),
  );
  it('formats', () => {
    expect(formatBytes(2 * 1024 ** 3)).toBe('2.0 GiB');
    expect(formatBytes(300 * 1024 ** 2)).toBe('300 MiB');
  });
});
