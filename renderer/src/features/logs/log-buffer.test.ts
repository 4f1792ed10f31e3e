import { describe, expect, it } from 'vitest';
import { LogBuffer, formatLine, workerColour } from './log-buffer';

const odoo = (level: string, msg: string) => `2026-11-25 12:00:00,000 7 ${level} prod odoo.x: ${msg}`;
// eslint-disable-next-line no-control-regex -- removing the ANSI colours the buffer adds
const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

describe('the log pane buffer', () => {
  it('labels each line with its worker, coloured by pool, and colours errors', () => {
    expect(workerColour('prod-blue-1')).toBe('\x1b[34m');
    expect(workerColour('prod-green-1')).toBe('\x1b[32m');
    const line = formatLine({ worker: 'prod-blue-2', text: odoo('ERROR', 'boom'), level: 'ERROR' }, 12);
    expect(strip(line)).toBe(`prod-blue-2  │ ${odoo('ERROR', 'boom')}`);
    expect(line).toContain('\x1b[31m');
  });

  it('hands the view one batch, and keeps only the newest lines beyond its capacity', () => {
    const b = new LogBuffer(100);
    b.push(Array.from({ length: 250 }, (_, i) => ({ worker: 'w-blue-1', text: `line ${i}` })));
    const text = strip(b.takePending());
    expect(text.split('\r\n').filter(Boolean)).toHaveLength(100);
    expect(text).toContain('line 249');
    expect(text).not.toContain('line 149\r');
    expect(b.takePending()).toBe('');
    b.push(Array.from({ length: 5 }, (_, i) => ({ worker: 'w-blue-1', text: `more ${i}` })));
    expect(
      strip(b.takePending(3))
        .split('\r\n')
        .filter(Boolean)
        .map((l) => l.split(' │ ')[1]),
    ).toEqual(['more 0', 'more 1', 'more 2']);
    expect(
      strip(b.takePending(3))
        .split('\r\n')
        .filter(Boolean)
        .map((l) => l.split(' │ ')[1]),
    ).toEqual(['more 3', 'more 4']);
    expect(b.size).toBe(100);
    expect(b.lines()[0]!.text).toBe('line 155');
  });

  it('holds lines back while paused and shows them on resume', () => {
    const b = new LogBuffer();
    b.setPaused(true);
    b.push([
      { worker: 'w', text: 'a' },
      { worker: 'w', text: 'b' },
    ]);
    expect(b.takePending()).toBe('');
    expect(b.heldBack).toBe(2);
    b.setPaused(false);
    expect(strip(b.takePending())).toMatch(/a\r\n.*b\r\n$/);
    expect(b.heldBack).toBe(0);
  });

  it('filters by level, redrawing what it kept; tracebacks go with errors', () => {
    const b = new LogBuffer();
    b.push([
      { worker: 'w', text: odoo('INFO', 'fine') },
      { worker: 'w', text: odoo('ERROR', 'bad') },
      { worker: 'w', text: 'Traceback (most recent call last):' },
    ]);
    b.takePending();
    const redraw = strip(b.setLevels(['ERROR']));
    expect(redraw).toContain('bad');
    expect(redraw).toContain('Traceback');
    expect(redraw).not.toContain('fine');
    b.push([{ worker: 'w', text: odoo('WARNING', 'hmm') }]);
    expect(b.takePending()).toBe('');
    expect(strip(b.setLevels(null))).toContain('fine');
  });
});
