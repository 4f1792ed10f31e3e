// The fleet: inventory, connection states and the selected server. Owns its subscription to
// connection events (opened by the first load, closed by dispose); components read selectors and
// call these actions.
import { create } from 'zustand';
import type { AppInfo, ConnectOutcome, ConnectionState, Inventory, Server } from '../../../shared/model';
import type { WireError } from '../../../shared/errors';
import type { Request } from '../../../shared/ipc-contract';
import { api } from '../api';
import { wireErrorOf } from '../errors';
import { ownedSubscriptions } from './subscriptions';

export type ServerStatus =
  | { kind: 'unknown' }
  | { kind: 'connecting' }
  | { kind: 'connected'; docker: string; supported: boolean }
  | { kind: 'needs_trust'; outcome: Extract<ConnectOutcome, { kind: 'host_key_unknown' | 'host_key_changed' }> }
  | { kind: 'error'; error: WireError }
  | { kind: 'link'; state: ConnectionState };

export interface NewServerForm {
  clientName: string;
  name: string;
  host: string;
  port: string;
  user: string;
  identityFile: string;
  dockerSocket: string;
}

interface FleetState {
  info: AppInfo | null;
  inventory: Inventory;
  search: string;
  loaded: boolean;
  loadError: WireError | null;
  selected: string | null;
  status: Record<string, ServerStatus>;
  load(): Promise<void>;
  /** Reads the inventory again (the CLI or another window may have changed it); keeps the rest as is. */
  refresh(): Promise<void>;
  setSearch(search: string): void;
  select(serverId: string | null): void;
  connect(serverId: string): Promise<void>;
  trust(serverId: string): Promise<void>;
  addServer(form: NewServerForm): Promise<Server>;
  useThisComputer(): Promise<void>;
  importSshConfig(
    clientName: string,
    aliases: string[],
  ): Promise<{ added: string[]; skipped: { alias: string; reason: string }[] }>;
  /** Removes the store's event listener (tests, hot reload); the next load adds it again. */
  dispose(): void;
}

async function ensureClient(name: string): Promise<string> {
  const inv = await api.call('inventory.get', {});
  const existing = inv.clients.find((c) => c.name.toLowerCase() === name.trim().toLowerCase());
  if (existing) return existing.id;
  return (await api.call('clients.add', { name: name.trim(), tags: [] })).id;
}

// A link that drops or comes back shows on its server's status. Reads the store when an event
// arrives, so it can be declared before it.
const subscriptions = ownedSubscriptions(() => [
  api.on('connection.state', ({ server, state }) => {
    const current = useFleet.getState().status[server];
    if (state.kind === 'connected' && current?.kind === 'connected') return;
    if (state.kind === 'reconnecting' || state.kind === 'lost')
      useFleet.setState((s) => ({ status: { ...s.status, [server]: { kind: 'link', state } } }));
  }),
]);

export const useFleet = create<FleetState>((set, get) => ({
  info: null,
  inventory: { clients: [], servers: [] },
  search: '',
  loaded: false,
  loadError: null,
  selected: null,
  status: {},

  async load() {
    subscriptions.ensure();
    try {
      const [info, inventory] = await Promise.all([
        api.call('app.info', {}),
        api.call('inventory.get', { search: get().search || undefined }),
      ]);
      set({ info, inventory, loaded: true, loadError: null });
    } catch (err) {
      set({ loaded: true, loadError: wireErrorOf(err) });
    }
  },

  async refresh() {
    try {
      const inventory = await api.call('inventory.get', { search: get().search || undefined });
      if (JSON.stringify(inventory) !== JSON.stringify(get().inventory)) set({ inventory });
    } catch {
      // Shown by the next load; a background look must not replace what is on screen with an error.
    }
  },

  setSearch(search) {
    set({ search });
    void api.call('inventory.get', { search: search || undefined }).then(
      (inventory) => set({ inventory }),
      () => undefined,
    );
  },

  select(serverId) {
    set({ selected: serverId });
    if (serverId && !get().status[serverId]) void get().connect(serverId);
  },

  async connect(serverId) {
    set((s) => ({ status: { ...s.status, [serverId]: { kind: 'connecting' } } }));
    try {
      const outcome = await api.call('servers.connect', { id: serverId });
      const status: ServerStatus =
        outcome.kind === 'connected'
          ? { kind: 'connected', docker: outcome.docker.version, supported: outcome.docker.supported }
          : { kind: 'needs_trust', outcome };
      set((s) => ({ status: { ...s.status, [serverId]: status } }));
    } catch (err) {
      set((s) => ({ status: { ...s.status, [serverId]: { kind: 'error', error: wireErrorOf(err) } } }));
    }
  },

  async trust(serverId) {
    const st = get().status[serverId];
    if (st?.kind !== 'needs_trust' || st.outcome.kind !== 'host_key_unknown') return;
    await api.call('servers.trustHostKey', { id: serverId, fingerprint: st.outcome.fingerprint, hop: st.outcome.hop });
    await get().load();
    await get().connect(serverId);
  },

  async addServer(form) {
    const clientId = await ensureClient(form.clientName || 'Unsorted');
    const request: Request<'servers.add'> = {
      clientId,
      name: form.name.trim(),
      host: form.host.trim(),
      port: Number(form.port || 22),
      user: form.user.trim(),
      useAgent: !form.identityFile.trim(),
      ...(form.identityFile.trim() ? { identityFile: form.identityFile.trim() } : {}),
      ...(form.dockerSocket.trim() ? { dockerSocket: form.dockerSocket.trim() } : {}),
    };
    const server = await api.call('servers.add', request);
    // Selected first: the new server's own pane asks about its host key, nothing else connects to it.
    get().select(server.id);
    await get().load();
    return server;
  },

  async importSshConfig(clientName, aliases) {
    const clientId = await ensureClient(clientName);
    const r = await api.call('servers.importSshConfig', { clientId, aliases });
    await get().load();
    return { added: r.added.map((s) => s.name), skipped: r.skipped };
  },

  async useThisComputer() {
    const socket = get().info?.localDocker?.socket ?? '/var/run/docker.sock';
    const clientId = await ensureClient('This computer');
    const server = await api.call('servers.add', {
      clientId,
      name: 'This computer',
      kind: 'local',
      host: 'localhost',
      user: 'local',
      dockerSocket: socket,
    });
    await get().load();
    get().select(server.id);
  },

  dispose: subscriptions.dispose,
}));

export const visibleGroups = (inventory: Inventory, search: string) =>
  inventory.clients
    .map((c) => ({ client: c, servers: inventory.servers.filter((x) => x.clientId === c.id) }))
    .filter((g) => g.servers.length > 0 || !search);
