// The log pane's model, outside React and xterm: a bounded ring of lines, a level filter, pause and
// resume, and the text the view writes next (ANSI-coloured, one string per frame). Following a
// flood of 20k lines/s stays cheap: lines are formatted once, and the view writes one batch a frame.
import { logLevelOf, type LogLevel, type LogLine } from '../../../../shared/streams';

export interface StoredLine extends LogLine {
  level: LogLevel | null;
}

const RESET = '\x1b[0m';
const LEVEL_COLOUR: Partial<Record<LogLevel, string>> = {
  WARNING: '\x1b[33m',
  ERROR: '\x1b[31m',
  CRITICAL: '\x1b[1;31m',
  DEBUG: '\x1b[2m',
};
// Blue and green mean the pools; workers of one pool differ by brightness.
const POOL_COLOURS: Record<string, string[]> = {
  blue: ['\x1b[34m', '\x1b[94m', '\x1b[36m'],
  green: ['\x1b[32m', '\x1b[92m', '\x1b[36m'],
};

export function workerColour(worker: string): string {
  const m = /-(blue|green)-(\d+)$/.exec(worker);
  if (!m) return '\x1b[35m';
  const shades = POOL_COLOURS[m[1]!]!;
  return shades[(Number(m[2]) - 1) % shades.length]!;
}

export function formatLine(l: StoredLine, labelWidth: number): string {
  const label = `${workerColour(l.worker)}${l.worker.padEnd(labelWidth)}${RESET} │ `;
  const colour = l.level ? LEVEL_COLOUR[l.level] : undefined;
  return colour ? `${label}${colour}${l.text}${RESET}` : `${label}${l.text}`;
}

export class LogBuffer {
  private ring: StoredLine[] = [];
  private start = 0;
  private pending: string[] = [];
  private levels: Set<LogLevel> | null = null;
  private labelWidth = 8;
  paused = false;
  /** Lines that arrived while paused (shown on resume, newest `capacity` at most). */
  heldBack = 0;
  received = 0;
  dropped = 0;

  constructor(readonly capacity = 20_000) {}

  get size(): number {
    return this.ring.length;
  }

  push(lines: LogLine[], droppedUpstream = 0): void {
    this.dropped += droppedUpstream;
    for (const l of lines) {
      const stored: StoredLine = { ...l, level: logLevelOf(l.text) };
      this.received++;
      if (l.worker.length > this.labelWidth) this.labelWidth = Math.min(40, l.worker.length);
      if (this.ring.length < this.capacity) this.ring.push(stored);
      else {
        this.ring[this.start] = stored;
        this.start = (this.start + 1) % this.capacity;
      }
      if (this.paused) this.heldBack++;
      else if (this.passes(stored)) this.pending.push(formatLine(stored, this.labelWidth));
    }
    // The view never needs more than the scrollback it keeps.
    if (this.pending.length > this.capacity) this.pending.splice(0, this.pending.length - this.capacity);
  }

  /** What to write to the terminal now ('' when nothing), as one string; at most `max` lines, so one
   *  frame never carries a burst (the rest waits for the next frame). */
  takePending(max = Infinity): string {
    if (this.pending.length === 0) return '';
    const take = this.pending.length <= max ? this.pending : this.pending.slice(0, max);
    this.pending = take === this.pending ? [] : this.pending.slice(max);
    return take.join('\r\n') + '\r\n';
  }

  setPaused(paused: boolean): void {
    if (this.paused && !paused && this.heldBack > 0) {
      const lines = this.lines().slice(-Math.min(this.heldBack, this.capacity));
      for (const l of lines) if (this.passes(l)) this.pending.push(formatLine(l, this.labelWidth));
      this.heldBack = 0;
    }
    this.paused = paused;
  }

  /** A new filter re-renders: returns everything kept that passes it, for the view to redraw. */
  setLevels(levels: LogLevel[] | null): string {
    this.levels = levels && levels.length > 0 ? new Set(levels) : null;
    this.pending = this.lines()
      .filter((l) => this.passes(l))
      .map((l) => formatLine(l, this.labelWidth));
    return this.takePending();
  }

  lines(): StoredLine[] {
    return [...this.ring.slice(this.start), ...this.ring.slice(0, this.start)];
  }

  private passes(l: StoredLine): boolean {
    // Lines without a level (tracebacks, prints) follow the filter only when ERROR is shown: that is
    // where a traceback belongs.
    if (!this.levels) return true;
    return l.level ? this.levels.has(l.level) : this.levels.has('ERROR');
  }
}
