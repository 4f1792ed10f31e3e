// @vitest-environment jsdom
// The palette reads servers, environments and their status; log lines arriving in the dock (up to
// 20 batches a second) and status refreshes that change nothing it shows must not re-render it.
import { Profiler } from 'react';
import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Inventory } from '../../../../shared/model';
import type { EnvironmentStatus } from '../../../../shared/deploy';
import { installFakeHost } from '../../testing/fake-host';
import { useDock } from '../../stores/dock';
import { useEnvironments } from '../../stores/environments';
import { useFleet } from '../../stores/fleet';
import { CommandPalette } from './CommandPalette';

const inventory = {
  clients: [{ id: 'c1', name: 'Acme', tags: [] }],
  servers: [
    {
      id: 's1',
      clientId: 'c1',
      name: 'prod-1',
      kind: 'ssh',
      host: '10.0.0.1',
      port: 22,
      user: 'odoo',
      tags: [],
      dockerSocket: '/var/run/docker.sock',
      useAgent: false,
    },
  ],
} as unknown as Inventory;
const shop = {
  server: 'prod-1',
  name: 'shop',
  strategy: 'blue-green',
  replicas: 2,
  publicBind: null,
  domains: [],
  source: null,
  image: null,
} as never;
const live = (workers: number): EnvironmentStatus => ({
  live: 'blue',
  workers: Array.from({ length: workers }, (_, i) => ({ name: `w${i}` })) as never,
  kept: null,
  lock: null,
});

let host: ReturnType<typeof installFakeHost>;
let status = live(1);

beforeEach(() => {
  host = installFakeHost({ 'logs.follow': () => ({ stream: 'logs-1' }), 'environments.status': () => status });
  useFleet.setState({ inventory });
  useEnvironments.setState({ byServer: { 'prod-1': [shop] }, status: { 'prod-1/shop': live(1) } });
});

afterEach(() => {
  cleanup();
  useDock.getState().dispose();
  host.uninstall();
});

function renderCounted() {
  const counter = { renders: 0 };
  render(
    <Profiler id="palette" onRender={() => counter.renders++}>
      <CommandPalette onAddServer={() => undefined} onImport={() => undefined} />
    </Profiler>,
  );
  return counter;
}

describe('CommandPalette', () => {
  it('does not re-render while a burst of log batches arrives in the dock', async () => {
    const counter = renderCounted();
    await act(() => useDock.getState().followLogs('prod-1', 'shop', {}));
    const before = counter.renders;
    // Each batch is its own IPC message, so each is delivered (and rendered) on its own.
    for (let i = 0; i < 200; i++) {
      act(() =>
        host.emit('logs.event', {
          stream: 'logs-1',
          event: { kind: 'lines', lines: [{ worker: 'w0', text: `line ${i}` }] },
        }),
      );
    }
    expect(useDock.getState().logs?.tick).toBe(200); // the burst did reach the dock
    expect(counter.renders).toBe(before);
  });

  it('does not re-render on a status refresh that changes nothing it shows, and does on one that does', async () => {
    const counter = renderCounted();
    const before = counter.renders;
    status = live(3); // only the workers differ
    await act(() => useEnvironments.getState().refreshStatus('prod-1', 'shop'));
    expect(useEnvironments.getState().status['prod-1/shop']?.workers).toHaveLength(3);
    expect(counter.renders).toBe(before);
    expect(screen.queryByText(/Roll back prod-1\/shop/)).toBeNull();
    status = { ...live(3), kept: { pool: 'green', until: new Date(Date.now() + 60_000).toISOString() } };
    await act(() => useEnvironments.getState().refreshStatus('prod-1', 'shop'));
    expect(screen.getByText('Roll back prod-1/shop to green…')).toBeTruthy();
  });
});
