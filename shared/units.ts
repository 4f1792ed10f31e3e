// Durations and sizes as people write them in environment files and sliders: "90s", "15m", "2g".

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/;
const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "90s" | "15m" | "1h" | "250ms" | 90 (seconds) → milliseconds. Throws a message that says what to write. */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0)
      throw new Error(`a duration must be a positive number of seconds, got ${value}`);
    return Math.round(value * 1000);
  }
  const m = DURATION.exec(value.trim());
  if (!m)
    throw new Error(
      `cannot read ${JSON.stringify(value).slice(0, 40)} as a duration: write 90s, 15m, 1h or a number of seconds`,
    );
  return Math.round(Number(m[1]) * DURATION_MS[m[2] ?? 's']!);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s % 60);
  return rest ? `${m} min ${rest} s` : `${m} min`;
}

const SIZE = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i;
const SIZE_BYTES: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Docker-style sizes, binary units: "512m", "2g", "1.5GiB", 1073741824 → bytes. */
export function parseBytes(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0) throw new Error(`a size must be a whole number of bytes, got ${value}`);
    return value;
  }
  const m = SIZE.exec(value.trim());
  if (!m)
    throw new Error(`cannot read ${JSON.stringify(value).slice(0, 40)} as a size: write 512m, 2g or a number of bytes`);
  const unit = (m[2] ?? 'b').toLowerCase()[0]!;
  return Math.round(Number(m[1]) * SIZE_BYTES[unit]!);
}

export function formatBytes(bytes: number): string {
  const gib = bytes / 1024 ** 3;
  if (gib >= 1) return `${gib.toFixed(gib >= 10 ? 0 : 1)} GiB`;
  const mib = bytes / 1024 ** 2;
  if (mib >= 1) return `${Math.round(mib)} MiB`;
  return `${Math.round(bytes / 1024)} KiB`;
}
