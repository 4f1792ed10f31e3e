import { describe, expect, it } from 'vitest';
import { heartbeatTar, lockVerdict, type LockInfo } from './lock';

const lock: LockInfo = {
  containerId: 'c',
  holder: 'ana@laptop',
  machine: 'laptop',
  pid: 4242,
  since: '2026-11-25T10:00:00.000Z',
  deployId: 'd1',
  heartbeat: '2026-11-25T10:05:00.000Z',
};
const at = (iso: string) => Date.parse(iso);

describe('deploy lock staleness', () => {
  it('is live while the heartbeat is fresh and the holder runs', () => {
    expect(lockVerdict(lock, at('2026-11-25T10:05:30.000Z'), { machine: 'laptop', pidAlive: () => true })).toEqual({
      live: true,
    });
  });
  it('is stale when its holder process is gone on this machine', () => {
    const v = lockVerdict(lock, at('2026-11-25T10:05:01.000Z'), { machine: 'laptop', pidAlive: () => false });
    expect(v).toEqual({ live: false, why: 'its holder process 4242 on laptop is gone' });
  });
  it('cannot judge another machine’s pid, only its heartbeat', () => {
    expect(lockVerdict(lock, at('2026-11-25T10:05:30.000Z'), { machine: 'ci-runner', pidAlive: () => false })).toEqual({
      live: true,
    });
    const v = lockVerdict(lock, at('2026-11-25T10:06:01.000Z'), { machine: 'ci-runner', pidAlive: () => true });
    expect(v.live).toBe(false);
    expect(!v.live && v.why).toMatch(/61 s ago/);
  });
  it('treats a missing heartbeat as since-time, and garbage as stale', () => {
    expect(
      lockVerdict({ ...lock, heartbeat: null }, at('2026-11-25T10:00:30.000Z'), { machine: 'x', pidAlive: () => true }),
    ).toEqual({ live: true });
    expect(
      lockVerdict({ ...lock, heartbeat: 'soon' }, at('2026-11-25T10:00:30.000Z'), {
        machine: 'x',
        pidAlive: () => true,
      }).live,
    ).toBe(false);
  });
  it('writes the heartbeat as a one-file tar', async () => {
    const tar = await heartbeatTar('2026-11-25T10:00:00.000Z');
    expect(tar.subarray(0, 18).toString()).toBe('flipdeck-heartbeat');
    expect(tar.toString()).toContain('2026-11-25T10:00:00.000Z');
  });
});
