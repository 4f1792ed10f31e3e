import { describe, expect, it } from 'vitest';
import { parseProcFacts } from './fleet-health';

describe('host facts from /proc', () => {
  it('reads the 1-minute load and the memory in use (total minus available)', () => {
    const meminfo = 'MemTotal:       16384000 kB\nMemFree:         1000000 kB\nMemAvailable:    4096000 kB\n';
    expect(parseProcFacts('0.52 0.40 0.33 1/234 5678\n', meminfo, 4)).toEqual({
      cpus: 4,
      load1: 0.52,
      memoryTotal: 16384000 * 1024,
      memoryUsed: (16384000 - 4096000) * 1024,
    });
  });

  it('says nothing rather than something wrong when the text is not Linux’s', () => {
    expect(parseProcFacts('', '', 2)).toBeUndefined();
    expect(parseProcFacts('0.1 0.1 0.1', 'MemTotal: 10 kB\n', 2)).toBeUndefined();
  });
});
