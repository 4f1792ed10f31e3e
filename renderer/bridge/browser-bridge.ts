// Plays the preload's role in the browser host: the same Transport on window.flipdeck, carried over
// a WebSocket to the host. In Electron the preload has already set window.flipdeck, so this does nothing.
import type { CallResult, Transport } from '../../shared/api';

declare global {
  interface Window {
    flipdeck?: Transport;
  }
}

function install(): void {
  if (window.flipdeck) return;
  // The token arrives once, in the printed address's fragment (never sent to a server); the tab
  // keeps it in sessionStorage (scoped to scheme, host and port, unlike cookies) so a reload works.
  const fromAddress = new URLSearchParams(location.hash.slice(1)).get('token');
  let token = fromAddress ?? '';
  try {
    if (fromAddress) sessionStorage.setItem('flipdeck.hostToken', fromAddress);
    else token = sessionStorage.getItem('flipdeck.hostToken') ?? '';
  } catch {
    // storage disabled: the token lasts as long as this page
  }
  // Keep the token out of the address bar (and of screenshots) once it has been read.
  if (fromAddress) history.replaceState(null, '', location.pathname + location.search);
  const pending = new Map<number, (r: CallResult<unknown>) => void>();
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  let nextId = 1;
  let socket: WebSocket | null = null;
  let opening: Promise<WebSocket> | null = null;

  const connect = (): Promise<WebSocket> => {
    if (socket && socket.readyState === WebSocket.OPEN) return Promise.resolve(socket);
    opening ??= new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/bridge?token=${encodeURIComponent(token)}`);
      ws.onopen = () => {
        socket = ws;
        opening = null;
        resolve(ws);
      };
      ws.onerror = () => {
        opening = null;
        reject(new Error('the Flipdeck host is not answering'));
      };
      ws.onclose = () => {
        socket = null;
        for (const [id, done] of pending) {
          done({ ok: false, error: { code: 'connection_lost', message: 'the connection to the Flipdeck host closed', fix: 'restart the host and reload this page' } });
          pending.delete(id);
        }
      };
      ws.onmessage = (m) => {
        const msg = JSON.parse(String(m.data)) as { id?: number; result?: CallResult<unknown>; event?: string; payload?: unknown };
        if (typeof msg.id === 'number' && msg.result) {
          pending.get(msg.id)?.(msg.result);
          pending.delete(msg.id);
        } else if (msg.event) {
          for (const l of listeners.get(msg.event) ?? []) l(msg.payload);
        }
      };
    });
    return opening;
  };

  const transport: Transport = {
    async invoke(channel, request) {
      let ws: WebSocket;
      try {
        ws = await connect();
      } catch (err) {
        return { ok: false, error: { code: 'unreachable', message: (err as Error).message, fix: 'restart `npm start` and open the new address' } };
      }
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        ws.send(JSON.stringify({ id, channel, payload: request }));
      });
    },
    subscribe(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      void connect().catch(() => undefined);
      return () => set.delete(listener);
    },
  };
  window.flipdeck = transport;
}

install();
