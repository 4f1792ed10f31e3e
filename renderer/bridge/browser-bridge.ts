// Plays the preload's role in the browser host: the same Transport on window.flipdeck, carried over
// a WebSocket to the host. In Electron the preload has already set window.flipdeck, so this does nothing.
import type { Transport } from '../../shared/api';
import { createBridge, mountConnectionBanner, takeToken, type ConnectionMonitor } from './connection';

declare global {
  interface Window {
    flipdeck?: Transport;
    /** Browser host only: whether the page is connected to the host (the banner shows it too). */
    flipdeckConnection?: ConnectionMonitor;
  }
}

function sessionStore(): Storage | null {
  try {
    return window.sessionStorage; // the getter itself throws where storage is disabled
  } catch {
    return null;
  }
}

async function probe(token: string): Promise<'ok' | 'refused' | 'down'> {
  try {
    const res = await fetch('/bridge', {
      headers: { authorization: `Bearer ${token}` },
      cache: 'no-store',
      signal: AbortSignal.timeout(3000),
    });
    return res.status === 401 ? 'refused' : 'ok';
  } catch {
    return 'down';
  }
}

function install(): void {
  if (window.flipdeck) return;
  const token = takeToken(location, history, sessionStore());
  const url = token
    ? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/bridge?token=${encodeURIComponent(token)}`
    : null;
  const bridge = createBridge({ url, probe: token ? () => probe(token) : undefined });
  // Leaving the page closes the socket on purpose: no "Reconnecting…" flash on a reload, and the
  // page can enter the back/forward cache; coming back from it reconnects.
  addEventListener('pagehide', () => bridge.suspend());
  addEventListener('pageshow', (e) => e.persisted && bridge.resume());
  window.flipdeck = { invoke: bridge.invoke, subscribe: bridge.subscribe };
  window.flipdeckConnection = { state: bridge.state, onState: bridge.onState };
  mountConnectionBanner(document, bridge);
}

install();
