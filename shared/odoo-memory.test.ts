import { describe, expect, it } from 'vitest';
import { judgeMemory, memoryFloorMiB } from './odoo-memory';

describe('Odoo memory floors', () => {
  it('knows the floor per major version, from any spelling', () => {
    expect(memoryFloorMiB('14.0')).toBe(1024);
    expect(memoryFloorMiB(18)).toBe(1536);
    expect(memoryFloorMiB('19')).toBe(2048);
    expect(memoryFloorMiB('12.0')).toBeNull();
    expect(memoryFloorMiB(undefined)).toBeNull();
  });
  it('refuses below usage, needs an override below the floor (and pads it), accepts the rest', () => {
    expect(judgeMemory(300, 290, 1024, true)).toEqual({ kind: 'below_usage', usageMiB: 290 });
    expect(judgeMemory(768, 300, 1024, false)).toEqual({ kind: 'below_floor', floorMiB: 1024, applyMiB: 1024 });
    expect(judgeMemory(768, 300, 1024, true)).toEqual({ kind: 'ok', applyMiB: 1024 });
    expect(judgeMemory(2048, 300, 1024, false)).toEqual({ kind: 'ok', applyMiB: 2048 });
    expect(judgeMemory(512, 100, null, false)).toEqual({ kind: 'ok', applyMiB: 512 });
  });
});
