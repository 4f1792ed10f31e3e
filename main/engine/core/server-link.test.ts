import { describe, expect, it } from 'vitest';
import { audited, type RemoteAction } from './server-link';
import { classifyError } from './command-retry';

const noSleep = async () => undefined;

describe('audited API calls', () => {
  it('retries a dropped link with each attempt recorded, and passes the attempt so a create can clean up', async () => {
    const log: RemoteAction[] = [];
    const seen: number[] = [];
    const r = await audited(
      async (a) => void log.push(a),
      'docker.container.run',
      ['docker', 'run', 'x'],
      async (attempt) => {
        seen.push(attempt);
        if (attempt < 3) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        return 'ok';
      },
      undefined,
      noSleep,
    );
    expect(r).toBe('ok');
    expect(seen).toEqual([1, 2, 3]);
    expect(log.map((a) => [a.ok, a.detail?.attempt ?? 1, a.detail?.retrying ?? false])).toEqual([
      [false, 1, true],
      [false, 2, true],
      [true, 3, false],
    ]);
  });

  it('never retries a real error, and gives up on a link that stays down after 4 attempts', async () => {
    const log: RemoteAction[] = [];
    const conflict = Object.assign(new Error('(HTTP code 409) conflict'), { statusCode: 409 });
    await expect(
      audited(
        async (a) => void log.push(a),
        'a',
        ['a'],
        async () => {
          throw conflict;
        },
        undefined,
        noSleep,
      ),
    ).rejects.toBe(conflict);
    expect(log).toHaveLength(1);
    let n = 0;
    await expect(
      audited(
        async () => undefined,
        'b',
        ['b'],
        async () => {
          n++;
          throw new Error('Not connected');
        },
        undefined,
        noSleep,
      ),
    ).rejects.toThrow('Not connected');
    expect(n).toBe(4);
  });

  it('classifies the network as transient and the code as permanent', () => {
    expect(classifyError(Object.assign(new Error('x'), { code: 'connection_lost' }))).toBe('transient');
    expect(classifyError(Object.assign(new Error('bad gateway'), { statusCode: 502 }))).toBe('transient');
    expect(classifyError(Object.assign(new Error('no such container'), { statusCode: 404 }))).toBe('permanent');
    expect(classifyError(new Error('ImportError: No module named foo'))).toBe('permanent');
  });
});
