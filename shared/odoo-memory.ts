// Memory floors per Odoo major version: below these a worker starts but swaps or gets killed under
// normal use. An explicit override is allowed and still pads 256 MiB.
export const MEMORY_FLOOR_MIB: Record<number, number> = { 14: 1024, 15: 1024, 16: 1280, 17: 1536, 18: 1536, 19: 2048 };
export const OVERRIDE_PADDING_MIB = 256;

/** The floor for "17.0" / "17" / 17, or null when the version is unknown or unsupported. */
export function memoryFloorMiB(version: string | number | null | undefined): number | null {
  if (version === null || version === undefined) return null;
  const major = typeof version === 'number' ? version : Number(/^(\d+)/.exec(version)?.[1]);
  return MEMORY_FLOOR_MIB[major] ?? null;
}

export type MemoryVerdict =
  | { kind: 'ok'; applyMiB: number }
  | { kind: 'below_usage'; usageMiB: number }
  | { kind: 'below_floor'; floorMiB: number; applyMiB: number };

/** What a slider value means: refused below usage (+ margin); below the floor only with an override, padded. */
export function judgeMemory(
  valueMiB: number,
  usageMiB: number,
  floorMiB: number | null,
  override: boolean,
  marginMiB = 32,
): MemoryVerdict {
  if (valueMiB < usageMiB + marginMiB) return { kind: 'below_usage', usageMiB };
  if (floorMiB !== null && valueMiB < floorMiB) {
    return override
      ? { kind: 'ok', applyMiB: valueMiB + OVERRIDE_PADDING_MIB }
      : { kind: 'below_floor', floorMiB, applyMiB: valueMiB + OVERRIDE_PADDING_MIB };
  }
  return { kind: 'ok', applyMiB: valueMiB };
}
