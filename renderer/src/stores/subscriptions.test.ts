// @vitest-environment jsdom
// Each store owns its event listeners: however many actions open them there is one per event, each
// event is folded once, and dispose() removes them so a later event changes nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installFakeHost } from '../testing/fake-host';
import { useDeploys } from './deploys';
import { useDock } from './dock';
import { useFleet } from './fleet';

let host: ReturnType<typeof installFakeHost>;
let streams = 0;

beforeEach(() => {
  host = installFakeHost({
    'terminal.open': () => ({ stream: 'term-1', title: 'prod-1' }),
    'logs.follow': () => ({ stream: `logs-${++streams}` }),
    'logs.stop': () => ({}),
    'deploy.start': () => ({ stream: 'deploy-1' }),
    'app.info': () => ({}),
    'inventory.get': () => ({ clients: [], servers: [] }),
  });
});

afterEach(() => {
  for (const store of [useDock, useDeploys, useFleet]) store.getState().dispose();
  host.uninstall();
});

const lines = (stream: string) => ({
  stream,
  event: { kind: 'lines' as const, lines: [{ worker: 'w0', text: 'hello' }] },
});

describe('store subscriptions', () => {
  it('dock: one listener per event however often it is opened; none after dispose, and it reopens', async () => {
    const dock = useDock.getState();
    await dock.openTerminal('prod-1', { kind: 'server' });
    await dock.followLogs('prod-1', 'shop', {});
    await dock.followLogs('prod-1', 'shop', {});
    expect([host.listening('logs.event'), host.listening('terminal.event')]).toEqual([1, 1]);
    const stream = useDock.getState().logs!.stream;
    host.emit('logs.event', lines(stream));
    expect(useDock.getState().logs?.tick).toBe(1); // folded once, not once per followLogs

    useDock.getState().dispose();
    expect([host.listening('logs.event'), host.listening('terminal.event')]).toEqual([0, 0]);
    const before = useDock.getState();
    host.emit('logs.event', lines(stream));
    host.emit('terminal.event', { stream: 'term-1', event: { kind: 'end', exitCode: 0 } });
    expect(useDock.getState()).toBe(before);

    await useDock.getState().followLogs('prod-1', 'shop', {});
    expect(host.listening('logs.event')).toBe(1);
  });

  it('deploys: one listener for every start; none after dispose', async () => {
    await useDeploys.getState().start('prod-1', 'shop', 'deploy');
    await useDeploys.getState().start('prod-1', 'shop', 'deploy');
    expect(host.listening('deploy.event')).toBe(1);
    const log = {
      stream: 'deploy-1',
      server: 'prod-1',
      env: 'shop',
      event: {
        kind: 'progress' as const,
        progress: { kind: 'log' as const, deploy: 'd', step: 'build' as const, line: 'building' },
      },
    };
    host.emit('deploy.event', log);
    expect(useDeploys.getState().views['deploy-1']?.log).toHaveLength(1);

    useDeploys.getState().dispose();
    expect(host.listening('deploy.event')).toBe(0);
    const before = useDeploys.getState();
    host.emit('deploy.event', log);
    expect(useDeploys.getState()).toBe(before);
  });

  it('fleet: one listener for every load; none after dispose', async () => {
    await useFleet.getState().load();
    await useFleet.getState().load();
    expect(host.listening('connection.state')).toBe(1);
    host.emit('connection.state', { server: 's1', state: { kind: 'lost', reason: 'reset' } });
    expect(useFleet.getState().status['s1']?.kind).toBe('link');

    useFleet.getState().dispose();
    expect(host.listening('connection.state')).toBe(0);
    const before = useFleet.getState();
    host.emit('connection.state', { server: 's2', state: { kind: 'lost', reason: 'reset' } });
    expect(useFleet.getState()).toBe(before);
  });
});
