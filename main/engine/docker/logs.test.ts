import { describe, expect, it } from 'vitest';
import { demux, FramedLineSplitter } from './logs';

const frame = (stream: number, text: string) => {
  const body = Buffer.from(text);
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
};

describe('demux', () => {
  it('joins stdout and stderr frames', () => {
    expect(demux(Buffer.concat([frame(1, 'a\n'), frame(2, 'err\n'), frame(1, 'b')]))).toBe('a\nerr\nb');
  });
  it('reads a TTY container (no frames) as raw text', () => {
    expect(demux(Buffer.from('plain output\n'))).toBe('plain output\n');
  });
  it('does not take text that starts with a control byte for a frame', () => {
    expect(demux(Buffer.from('\u0001hello world'))).toBe('\u0001hello world');
  });
});

describe('FramedLineSplitter', () => {
  it('gives whole lines when frames and lines span chunks', () => {
    const bytes = Buffer.concat([frame(1, 'first li'), frame(1, 'ne\r\nsecond\nthi'), frame(2, 'rd')]);
    const s = new FramedLineSplitter();
    const lines: string[] = [];
    for (let i = 0; i < bytes.length; i += 5) s.push(bytes.subarray(i, i + 5), (l) => lines.push(l));
    s.end((l) => lines.push(l));
    expect(lines).toEqual(['first line', 'second', 'third']);
  });
});
