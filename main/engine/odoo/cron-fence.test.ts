import { describe, expect, it } from 'vitest';
import { parseFence } from './cron-fence';
import { cronWaitMs } from '../deploy/cron-handover';

describe('the cron fence', () => {
  it('reads which jobs were running and whether it holds them all', () => {
    expect(parseFence('')).toEqual({ state: 'waiting', waitedMs: 0, running: [] });
    expect(parseFence('running 3:Mail queue|7:Long import\nrunning 7:Long import\nfenced 8123\n')).toEqual({
      state: 'fenced',
      waitedMs: 8123,
      running: [
        { id: 3, name: 'Mail queue' },
        { id: 7, name: 'Long import' },
      ],
    });
    expect(parseFence('running 7:Long import\ntimeout 30500\n')).toMatchObject({ state: 'timeout', waitedMs: 30500 });
  });

  it('waits for running jobs as long as the drain, and at least 30 s', () => {
    expect(cronWaitMs(5_000)).toBe(30_000);
    expect(cronWaitMs(120_000)).toBe(120_000);
  });
});
