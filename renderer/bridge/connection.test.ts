// @vitest-environment jsdom
// The bridge's connection logic against a scripted socket (opens, drops, refusals on cue) and fake
// timers, so the backoff schedule is checked exactly; the banner and token handoff against jsdom.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createBridge,
  mountConnectionBanner,
  takeToken,
  TOKEN_KEY,
  type Bridge,
  type ConnectionState,
  type SocketLike,
} from './connection';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: { id: number; channel: string; payload: unknown }[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data) as FakeSocket['sent'][number]);
  }
  close() {
    this.readyState = 3;
  }
  // what the host (or the network) does
  accept() {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop() {
    this.readyState = 3;
    this.onerror?.({});
    this.onclose?.({ code: 1006 });
  }
  reply(id: number, value: unknown) {
    this.onmessage?.({ data: JSON.stringify({ id, result: { ok: true, value } }) });
  }
  event(event: string, payload: unknown) {
    this.onmessage?.({ data: JSON.stringify({ event, payload }) });
  }
}

let sockets: FakeSocket[];
let bridge: Bridge | null;
let probeVerdict: 'ok' | 'refused' | 'down';
let states: ConnectionState['kind'][];

function start(url: string | null = 'ws://127.0.0.1:1/bridge?token=t'): Bridge {
  bridge = createBridge({
    url,
    openSocket: (u) => {
      const s = new FakeSocket(u);
      sockets.push(s);
      return s;
    },
    probe: async () => probeVerdict,
  });
  bridge.onState((s) => states.push(s.kind));
  return bridge;
}
const last = () => sockets[sockets.length - 1]!;
const flush = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers();
  sockets = [];
  bridge = null;
  probeVerdict = 'ok';
  states = [];
});
afterEach(() => {
  bridge?.suspend();
  vi.useRealTimers();
  document.body.innerHTML = '';
});

describe('browser bridge connection', () => {
  it('a call made while the first connection opens waits for it, then is answered', async () => {
    const b = start();
    expect(b.state().kind).toBe('connecting');
    const answer = b.invoke('app.info', {});
    await flush();
    last().accept();
    await flush();
    expect(last().sent).toEqual([{ id: 1, channel: 'app.info', payload: {} }]);
    last().reply(1, { version: 'x' });
    await expect(answer).resolves.toEqual({ ok: true, value: { version: 'x' } });
  });

  it('after a drop: calls in flight fail as connection_lost, new calls fail at once (not queued), retries back off 250 ms → 5 s, listeners keep receiving', async () => {
    const b = start();
    last().accept();
    const events: unknown[] = [];
    b.subscribe('deploy.event', (p) => events.push(p));
    last().event('deploy.event', 1);

    const inFlight = b.invoke('deploy.start', { env: 'prod' });
    await flush();
    vi.setSystemTime(Date.now() + 60_000); // a long-lived connection, so the backoff starts from the first delay
    last().drop();
    await expect(inFlight).resolves.toMatchObject({
      ok: false,
      error: { code: 'connection_lost', message: expect.stringContaining('may still have run') },
    });
    await flush();
    expect(b.state()).toEqual({ kind: 'reconnecting', attempt: 1, retryInMs: 250 });

    const whileDown = await b.invoke('clients.add', { name: 'x' });
    expect(whileDown).toMatchObject({
      ok: false,
      error: { code: 'unreachable', message: expect.stringContaining('not sent') },
    });
    expect(sockets).toHaveLength(1); // nothing opened, nothing sent for it

    // Each retry fails; the delay doubles up to 5 s and stays there.
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      const s = b.state();
      if (s.kind !== 'reconnecting') throw new Error(`state ${s.kind}`);
      delays.push(s.retryInMs);
      await vi.advanceTimersByTimeAsync(s.retryInMs - 1);
      expect(sockets).toHaveLength(i + 1); // not before its time
      await vi.advanceTimersByTimeAsync(1);
      expect(sockets).toHaveLength(i + 2);
      last().drop();
      await flush();
    }
    expect(delays).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000]);

    await vi.advanceTimersByTimeAsync(5000);
    last().accept();
    expect(b.state().kind).toBe('open');
    last().event('deploy.event', 2);
    expect(events).toEqual([1, 2]); // the subscription made before the drop still receives
    const after = b.invoke('app.info', {});
    await flush();
    last().reply(last().sent[0]!.id, 'ok');
    await expect(after).resolves.toEqual({ ok: true, value: 'ok' });
  });

  it('a connection that keeps dropping right after opening does not reset the backoff (no hammering)', async () => {
    const b = start();
    last().accept();
    last().drop(); // dropped at once
    await flush();
    expect(b.state()).toMatchObject({ retryInMs: 250 });
    await vi.advanceTimersByTimeAsync(250);
    last().accept();
    last().drop();
    await flush();
    expect(b.state()).toMatchObject({ retryInMs: 500 });
  });

  it('a host that refuses the token (it restarted) stops the retries and says why; waiting calls get that answer', async () => {
    probeVerdict = 'refused';
    const b = start();
    const waiting = b.invoke('app.info', {});
    last().drop(); // the handshake was refused (the page cannot see the 401)
    await expect(waiting).resolves.toMatchObject({
      ok: false,
      error: { code: 'refused', message: expect.stringContaining('restarted') },
    });
    expect(b.state()).toEqual({ kind: 'refused', reason: 'token_refused' });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(1);
  });

  it('a host that does not answer the probe either is retried', async () => {
    probeVerdict = 'down';
    const b = start();
    last().drop();
    await flush();
    expect(b.state()).toMatchObject({ kind: 'reconnecting', attempt: 1 });
    await vi.advanceTimersByTimeAsync(250);
    expect(sockets).toHaveLength(2);
  });

  it('without a token nothing is opened and calls say to open the printed address', async () => {
    const b = start(null);
    expect(b.state()).toEqual({ kind: 'refused', reason: 'no_token' });
    await expect(b.invoke('app.info', {})).resolves.toMatchObject({
      ok: false,
      error: { code: 'refused', fix: expect.stringContaining('printed') },
    });
    expect(sockets).toHaveLength(0);
  });

  it('suspend (page left) closes quietly and fails calls in flight; resume reconnects', async () => {
    const b = start();
    last().accept();
    const inFlight = b.invoke('app.info', {});
    await flush();
    b.suspend();
    await expect(inFlight).resolves.toMatchObject({ ok: false, error: { code: 'connection_lost' } });
    expect(states).not.toContain('reconnecting');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sockets).toHaveLength(1);
    b.resume();
    expect(sockets).toHaveLength(2);
    last().accept();
    expect(b.state().kind).toBe('open');
  });

  it('garbage from the host and a throwing listener do not break delivery', async () => {
    const b = start();
    last().accept();
    const got: unknown[] = [];
    const thrown: unknown[] = [];
    b.subscribe('logs.event', () => {
      throw new Error('listener bug');
    });
    b.subscribe('logs.event', (p) => got.push(p));
    const realQueue = globalThis.queueMicrotask;
    globalThis.queueMicrotask = (fn) => {
      try {
        fn();
      } catch (err) {
        thrown.push(err);
      }
    };
    try {
      last().onmessage?.({ data: 'not json' });
      last().onmessage?.({ data: '{"id":"x"}' });
      last().event('logs.event', 'line');
    } finally {
      globalThis.queueMicrotask = realQueue;
    }
    expect(got).toEqual(['line']);
    expect(thrown.map((e) => (e as Error).message)).toEqual(['listener bug']);
  });
});

describe('connection banner', () => {
  it('says when the host is unreachable and when it is back, as a status region the bridge owns', async () => {
    const b = start();
    mountConnectionBanner(document, b, { reconnectedForMs: 1000 });
    const banner = document.querySelector<HTMLElement>('[data-flipdeck-connection]')!;
    const message = () => banner.querySelector('span')!.textContent;
    const reload = banner.querySelector('button')!;
    expect(banner.getAttribute('role')).toBe('status');
    expect(banner.parentElement).toBe(document.body);
    expect(message()).toBe(''); // nothing while the first connection opens
    last().accept();
    expect(message()).toBe('');
    last().drop();
    await flush();
    expect(message()).toContain('Reconnecting to the Flipdeck host…');
    expect(reload.hidden).toBe(true);
    await vi.advanceTimersByTimeAsync(250);
    last().accept();
    expect(message()).toContain('Reconnected to the Flipdeck host');
    expect(reload.hidden).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(message()).toBe('');
    expect(reload.hidden).toBe(true);
  });

  it('tells a page without a token, or with a refused one, to open the printed address', async () => {
    mountConnectionBanner(document, start(null));
    expect(document.querySelector('[data-flipdeck-connection]')!.textContent).toContain(
      'Open the address the host printed',
    );
    document.body.innerHTML = '';
    probeVerdict = 'refused';
    const b = start();
    mountConnectionBanner(document, b);
    last().drop();
    await flush();
    expect(document.querySelector('[data-flipdeck-connection]')!.textContent).toContain('probably restarted');
  });
});

describe('token handoff', () => {
  beforeEach(() => {
    sessionStorage.clear();
  });

  it('reads the token from the fragment once, keeps it in sessionStorage, and takes it out of the address bar', () => {
    history.replaceState(null, '', '/#token=abc_DEF-123');
    expect(takeToken(location, history, sessionStorage)).toBe('abc_DEF-123');
    expect(location.href).toBe(`${location.origin}/`);
    expect(sessionStorage.getItem(TOKEN_KEY)).toBe('abc_DEF-123');
    // a reload: no fragment any more, the tab's storage still has it
    expect(takeToken(location, history, sessionStorage)).toBe('abc_DEF-123');
  });

  it('a freshly printed address wins over an old token; other fragment parts stay', () => {
    sessionStorage.setItem(TOKEN_KEY, 'old');
    history.replaceState(null, '', '/?x=1#token=new&view=deploy');
    expect(takeToken(location, history, sessionStorage)).toBe('new');
    expect(location.pathname + location.search + location.hash).toBe('/?x=1#view=deploy');
  });

  it('works without storage (disabled): the token lasts as long as the page', () => {
    const broken = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('SecurityError');
      },
    };
    history.replaceState(null, '', '/#token=t1');
    expect(takeToken(location, history, broken)).toBe('t1');
    expect(takeToken(location, history, broken)).toBeNull();
    expect(takeToken(location, history, null)).toBeNull();
  });
});
