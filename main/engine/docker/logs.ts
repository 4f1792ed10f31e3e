// Docker's log bytes. For a container without a TTY, every write is framed: an 8-byte header
// (stream 0/1/2, three zero bytes, the payload's length as a big-endian u32) then the payload; a
// TTY container's logs are raw. One reader of that format for the whole code base: whole buffers
// (`demux`, a container's tail) and live streams (`FramedLineSplitter`, where a frame and a line may
// each span chunks).

const HEADER = 8;

function isFrameHeader(buf: Buffer, at: number): boolean {
  return buf.length - at >= HEADER && buf[at]! <= 2 && buf[at + 1] === 0 && buf[at + 2] === 0 && buf[at + 3] === 0;
}

/** The text of a whole log buffer, frames joined; a buffer that does not start with a frame is raw (TTY) text. */
export function demux(buf: Buffer): string {
  if (!isFrameHeader(buf, 0)) return buf.toString('utf8');
  const parts: Buffer[] = [];
  let at = 0;
  while (isFrameHeader(buf, at)) {
    const size = buf.readUInt32BE(at + 4);
    parts.push(buf.subarray(at + HEADER, at + HEADER + size));
    at += HEADER + size;
  }
  return Buffer.concat(parts).toString('utf8');
}

/** Splits framed log bytes into lines; keeps what is left of a frame or a line for the next chunk. */
export class FramedLineSplitter {
  private bytes: Buffer = Buffer.alloc(0);
  private partial = '';

  push(chunk: Buffer, onLine: (text: string) => void): void {
    this.bytes = this.bytes.length ? Buffer.concat([this.bytes, chunk]) : chunk;
    let offset = 0;
    while (this.bytes.length - offset >= HEADER) {
      const size = this.bytes.readUInt32BE(offset + 4);
      if (this.bytes.length - offset < HEADER + size) break;
      this.text(this.bytes.subarray(offset + HEADER, offset + HEADER + size).toString('utf8'), onLine);
      offset += HEADER + size;
    }
    this.bytes = this.bytes.subarray(offset);
  }

  end(onLine: (text: string) => void): void {
    if (this.partial) onLine(this.partial);
    this.partial = '';
  }

  private text(s: string, onLine: (text: string) => void): void {
    const parts = (this.partial + s).split('\n');
    this.partial = parts.pop() ?? '';
    for (const p of parts) onLine(p.endsWith('\r') ? p.slice(0, -1) : p);
  }
}
