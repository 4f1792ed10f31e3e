import { describe, expect, it } from 'vitest';
import {
  type ServerState,
  emptyState,
  imagesToKeep,
  keptPoolUsable,
  parseServerState,
  previousLiveImage,
  recordHistory,
  type HistoryEntry,
} from './server-state';

const entry = (id: string, image: string, outcome: HistoryEntry['outcome'] = 'live'): HistoryEntry => ({
  deployId: id,
  kind: 'deploy',
  strategy: 'blue-green',
  by: 'ana@laptop',
  at: '2026-11-25T10:00:00Z',
  image,
  outcome,
  steps: [],
  dbMigrated: false,
});

describe('server-side deploy state', () => {
  it('starts empty when the server has no file, and refuses a corrupt one', () => {
    expect(parseServerState(null, 'shop')).toEqual(emptyState('shop'));
    expect(() => parseServerState('{oops', 'shop')).toThrow(/not valid JSON/);
    expect(() => parseServerState('{"version":2}', 'shop')).toThrow(/format this Flipdeck knows/);
  });

  it('keeps history newest first, replacing an entry by deploy id', () => {
    let s = emptyState('shop');
    s = recordHistory(s, entry('d1', 'img:1'));
    s = recordHistory(s, entry('d2', 'img:2', 'running'));
    s = recordHistory(s, entry('d2', 'img:2', 'live'));
    expect(s.history.map((h) => `${h.deployId}:${h.outcome}`)).toEqual(['d2:live', 'd1:live']);
    expect(parseServerState(JSON.stringify(s), 'shop')).toEqual(s);
  });

  it('finds the image a late rollback redeploys, skipping failures', () => {
    let s: ServerState = { ...emptyState('shop'), liveImage: 'img:3' };
    for (const [id, img, o] of [
      ['d1', 'img:1', 'live'],
      ['d2', 'img:2', 'live'],
      ['d3', 'img:9', 'failed'],
      ['d4', 'img:3', 'live'],
    ] as const)
      s = recordHistory(s, entry(id, img, o));
    expect(previousLiveImage(s)).toBe('img:2');
    expect([...imagesToKeep(s, 3)].sort()).toEqual(['img:1', 'img:2', 'img:3']);
  });

  it('knows when the keep window is over', () => {
    const s = {
      ...emptyState('shop'),
      kept: { pool: 'blue' as const, image: 'i', until: '2026-11-25T10:15:00Z', deployId: 'd' },
    };
    expect(keptPoolUsable(s, Date.parse('2026-11-25T10:14:59Z'))).toBe(true);
    expect(keptPoolUsable(s, Date.parse('2026-11-25T10:15:01Z'))).toBe(false);
  });
});
