// Node's http client treats its connection as a net.Socket and calls socket-only methods on it
// (setTimeout, setNoDelay, setKeepAlive, ref/unref). An ssh2 channel is a plain Duplex: give it
// harmless versions so a request's own timers (not the socket's) govern timeouts.
import type { Duplex } from 'node:stream';

export function asSocketLike<T extends Duplex>(stream: T): T {
  const s = stream as unknown as Record<string, unknown>;
  for (const name of ['setTimeout', 'setNoDelay', 'setKeepAlive', 'ref', 'unref'] as const) {
    if (typeof s[name] !== 'function') s[name] = () => stream;
  }
  return stream;
}
