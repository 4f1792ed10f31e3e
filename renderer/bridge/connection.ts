// The browser bridge's connection to the host: the token handoff, a WebSocket that comes back after
// a drop, and a banner that says so. No side effects on import (browser-bridge.ts wires it up), so
// it can be tested with a fake socket and jsdom.
import type { CallResult, Transport } from '../../shared/api';
import type { WireError } from '../../shared/errors';
import { backoffMs } from '../../shared/retry';

export type ConnectionState =
  /** The first connection is being opened; calls wait for it. */
  | { kind: 'connecting' }
  | { kind: 'open' }
  /** The connection dropped or a retry failed; the next attempt is in `retryInMs`. */
  | { kind: 'reconnecting'; attempt: number; retryInMs: number }
  /** Retrying cannot help: the page has no token, or the host refused it (it restarted). */
  | { kind: 'refused'; reason: 'no_token' | 'token_refused' };

export interface ConnectionMonitor {
  state(): ConnectionState;
  onState(listener: (state: ConnectionState) => void): () => void;
}

export interface Bridge extends Transport, ConnectionMonitor {
  /** Stops for good (tests) or until resume() (the page is being left, or put in the back/forward cache). */
  suspend(): void;
  resume(): void;
}

/** The subset of the browser's WebSocket the bridge uses, so tests can hand in a fake. */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface BridgeOptions {
  /** The WebSocket address with the token, or null when the page has none. */
  url: string | null;
  openSocket?: (url: string) => SocketLike;
  /** After a failed attempt: does the host still accept our token? ('down' when it does not answer.) */
  probe?: () => Promise<'ok' | 'refused' | 'down'>;
  /** Delay before the first retry, doubled each failure up to maxMs. */
  backoff?: { firstMs: number; maxMs: number };
}

const OPEN = 1; // WebSocket.OPEN, without needing the global in tests
/** A connection that lasted this long was not flapping: the next drop retries from the first delay. */
const STABLE_MS = 2000;

export const TOKEN_KEY = 'flipdeck.hostToken';

/**
 * The token arrives once in the address's fragment (never sent to a server, so not in a request log
 * or a Referer); it is kept in sessionStorage — scoped to scheme, host and port, unlike cookies, and
 * to this tab — so a reload works, and removed from the address bar, history entry and screenshots.
 */
export function takeToken(
  loc: Pick<Location, 'hash' | 'pathname' | 'search'>,
  hist: Pick<History, 'replaceState' | 'state'>,
  storage: Pick<Storage, 'getItem' | 'setItem'> | null,
): string | null {
  const params = new URLSearchParams(loc.hash.replace(/^#/, ''));
  const fromAddress = params.get('token');
  if (fromAddress) {
    try {
      storage?.setItem(TOKEN_KEY, fromAddress);
    } catch {
      // Storage disabled or full: the token then lasts as long as this page, and a reload asks for the address again.
    }
    params.delete('token');
    const rest = params.toString();
    hist.replaceState(hist.state, '', loc.pathname + loc.search + (rest ? `#${rest}` : ''));
    return fromAddress;
  }
  try {
    return storage?.getItem(TOKEN_KEY) || null;
  } catch {
    return null;
  }
}

const notSent = (error: WireError): CallResult<never> => ({ ok: false, error });

export function createBridge(o: BridgeOptions): Bridge {
  const openSocket = o.openSocket ?? ((url: string) => new WebSocket(url) as unknown as SocketLike);
  const firstMs = o.backoff?.firstMs ?? 250;
  const maxMs = o.backoff?.maxMs ?? 5000;

  let state: ConnectionState = o.url ? { kind: 'connecting' } : { kind: 'refused', reason: 'no_token' };
  let socket: SocketLike | null = null; // open, or null
  let attempt: Promise<void> | null = null; // a connection attempt under way (settles once it opened or we know why not)
  let backoffStep = 0; // failures since the last stable connection: the backoff's attempt number
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let suspended = false;
  let nextId = 1;
  const pending = new Map<number, (r: CallResult<unknown>) => void>();
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const stateListeners = new Set<(s: ConnectionState) => void>();

  const setState = (s: ConnectionState) => {
    state = s;
    for (const l of stateListeners) l(s);
  };

  const deliver = (data: unknown) => {
    let msg: { id?: unknown; result?: CallResult<unknown>; event?: unknown; payload?: unknown };
    try {
      msg = JSON.parse(String(data)) as typeof msg;
    } catch {
      return; // the host only sends JSON; anything else is not for us
    }
    if (typeof msg?.id === 'number' && msg.result) {
      pending.get(msg.id)?.(msg.result);
      pending.delete(msg.id);
    } else if (typeof msg?.event === 'string') {
      for (const l of listeners.get(msg.event) ?? []) {
        try {
          l(msg.payload);
        } catch (err) {
          // One broken listener must not starve the others; still reported as an uncaught error.
          queueMicrotask(() => {
            throw err;
          });
        }
      }
    }
  };

  const failPending = (error: WireError) => {
    for (const [id, done] of pending) {
      done(notSent(error));
      pending.delete(id);
    }
  };

  let current: SocketLike | null = null; // the socket being opened, or open
  let settleAttempt: (() => void) | null = null;
  const endAttempt = () => {
    attempt = null;
    settleAttempt?.();
    settleAttempt = null;
  };

  const connect = (): void => {
    timer = null;
    if (suspended || !o.url) return;
    attempt = new Promise<void>((r) => (settleAttempt = r));
    let opened = false;
    let openedAt = 0;
    let ws: SocketLike;
    try {
      ws = openSocket(o.url);
    } catch {
      // e.g. a URL or policy the browser refuses: as good as an unreachable host
      void retry(false).finally(endAttempt);
      return;
    }
    current = ws;
    ws.onopen = () => {
      opened = true;
      openedAt = Date.now();
      socket = ws;
      failures = 0;
      setState({ kind: 'open' });
      endAttempt();
    };
    ws.onmessage = (m) => deliver(m.data);
    ws.onerror = () => undefined; // always followed by close, which does the work
    ws.onclose = () => {
      ws.onopen = ws.onmessage = ws.onclose = null;
      current = socket = null;
      if (!opened) {
        // Calls waiting on this attempt get their answer once we know why it failed.
        void retry(false).finally(endAttempt);
        return;
      }
      // The host may or may not have run these: say so, rather than pretend they failed.
      failPending({
        code: 'connection_lost',
        message: 'The connection to the Flipdeck host dropped before it answered; the action may still have run there.',
        fix: 'Once reconnected, check the result before trying again.',
      });
      if (Date.now() - openedAt >= STABLE_MS) backoffStep = 0;
      void retry(true);
    };
  };

  const retry = async (afterDrop: boolean): Promise<void> => {
    if (suspended) return;
    // A refused handshake looks like no host at all to a page; ask the host which it is.
    if (!afterDrop && o.probe) {
      const verdict = await o.probe().catch(() => 'down' as const);
      if (suspended) return;
      if (verdict === 'refused') return setState({ kind: 'refused', reason: 'token_refused' });
    }
    failures++;
    backoffStep++;
    const wait = backoffMs({ baseMs: firstMs, maxMs }, backoffStep);
    setState({ kind: 'reconnecting', attempt: failures, retryInMs: wait });
    timer = setTimeout(connect, wait);
  };

  const bridge: Bridge = {
    async invoke(channel, request) {
      // Calls wait for an attempt already under way (the page's first calls race the first
      // connection; on loopback an attempt settles in milliseconds). They are never queued past
      // it: a call can start a deploy, and replaying it later, perhaps on a restarted host, would
      // do so behind the user's back. So a call made while disconnected fails at once, saying why.
      if (!socket && attempt) await attempt;
      const ws = socket;
      if (!ws || ws.readyState !== OPEN) {
        if (state.kind === 'refused') {
          return notSent({
            code: 'refused',
            message:
              state.reason === 'no_token'
                ? 'This page has no key to the Flipdeck host, so nothing was sent.'
                : 'The Flipdeck host no longer accepts this page (it was probably restarted), so nothing was sent.',
            fix: 'Open the address the host printed in its terminal.',
          });
        }
        return notSent({
          code: 'unreachable',
          message: 'Not connected to the Flipdeck host (reconnecting), so this action was not sent.',
          fix: 'Wait for the connection to come back, then try again.',
        });
      }
      const id = nextId++;
      let text: string;
      try {
        text = JSON.stringify({ id, channel, payload: request });
      } catch (err) {
        return notSent({
          code: 'bad_input',
          message: `${channel}: the request cannot be sent (${(err as Error).message})`,
        });
      }
      return new Promise((resolve) => {
        pending.set(id, resolve);
        ws.send(text);
      });
    },
    subscribe(event, listener) {
      // Listeners live here, not on a socket: the host sends every event on every connection, so a
      // subscription made once keeps receiving across reconnects with nothing to re-send.
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
    state: () => state,
    onState(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    suspend() {
      suspended = true;
      if (timer) clearTimeout(timer);
      timer = null;
      const ws = current;
      current = socket = null;
      if (ws) {
        ws.onopen = ws.onmessage = ws.onclose = null;
        ws.close(1000, 'page left');
      }
      failPending({
        code: 'connection_lost',
        message: 'The page was left before the Flipdeck host answered; the action may still have run there.',
      });
      endAttempt();
    },
    resume() {
      if (!suspended) return;
      suspended = false;
      if (state.kind === 'refused') return;
      setState({ kind: 'connecting' });
      connect();
    },
  };
  connect();
  return bridge;
}

/** The text the page shows for a state, or '' for none. */
export function describeState(state: ConnectionState): string {
  switch (state.kind) {
    case 'connecting':
    case 'open':
      return '';
    case 'reconnecting':
      return 'Reconnecting to the Flipdeck host… Actions are not sent until it is back.';
    case 'refused':
      return state.reason === 'no_token'
        ? 'This page has no key to the Flipdeck host. Open the address the host printed in its terminal (it ends in #token=…).'
        : 'The Flipdeck host no longer accepts this page: it was probably restarted. Open the new address it printed.';
  }
}

/**
 * A status line the bridge owns (outside React's root, so no store is involved): it says when the
 * host is unreachable and when it is back. Returns a function that removes it.
 */
export function mountConnectionBanner(
  doc: Document,
  monitor: ConnectionMonitor,
  opts: { reconnectedForMs?: number } = {},
): () => void {
  const el = doc.createElement('div');
  el.setAttribute('role', 'status'); // polite live region: announced, never steals focus
  el.dataset.flipdeckConnection = '';
  Object.assign(el.style, {
    position: 'fixed',
    top: '0',
    left: '50%',
    transform: 'translateX(-50%)',
    zIndex: '2147483647',
    maxWidth: '44rem',
    display: 'flex',
    alignItems: 'center',
    gap: '0.75rem',
    font: '14px/1.4 system-ui, sans-serif',
    borderRadius: '0 0 6px 6px',
  });
  const text = doc.createElement('span');
  const reload = doc.createElement('button');
  reload.type = 'button';
  reload.textContent = 'Reload';
  reload.hidden = true;
  Object.assign(reload.style, { font: 'inherit', cursor: 'pointer', flex: 'none' });
  reload.addEventListener('click', () => doc.defaultView?.location.reload());
  el.append(text, reload);
  let hideTimer: ReturnType<typeof setTimeout> | null = null;

  const show = (message: string, tone: 'warn' | 'ok', offerReload: boolean) => {
    if (hideTimer) clearTimeout(hideTimer);
    hideTimer = null;
    text.textContent = message;
    reload.hidden = !offerReload;
    // Empty, it has no box: invisible, yet still in the accessibility tree as a live region.
    Object.assign(
      el.style,
      message
        ? { padding: '0.5rem 1rem', background: tone === 'ok' ? '#1f6f43' : '#8a5a00', color: '#fff' }
        : { padding: '0', background: 'none' },
    );
  };

  let wasDown = false;
  const render = (state: ConnectionState) => {
    if (state.kind === 'open') {
      if (!wasDown) return show('', 'ok', false);
      wasDown = false;
      // Events sent while disconnected were missed; a reload shows the current state.
      show('Reconnected to the Flipdeck host. Reload to see anything that changed meanwhile.', 'ok', true);
      hideTimer = setTimeout(() => show('', 'ok', false), opts.reconnectedForMs ?? 10_000);
      return;
    }
    if (state.kind === 'reconnecting') wasDown = true;
    show(describeState(state), 'warn', false);
  };

  const attach = () => {
    doc.body.append(el);
    render(monitor.state());
  };
  if (doc.body) attach();
  else doc.addEventListener('DOMContentLoaded', attach, { once: true });
  const off = monitor.onState(render);
  return () => {
    off();
    if (hideTimer) clearTimeout(hideTimer);
    el.remove();
  };
}
