// Containers of the selected server, refreshed while it is shown.
import { create } from 'zustand';
import type { ContainerSummary } from '../../../shared/model';
import type { WireError } from '../../../shared/errors';
import { api } from '../api';
import { wireErrorOf } from '../errors';

interface ContainersState {
  byServer: Record<string, { list: ContainerSummary[]; at: number } | undefined>;
  errors: Record<string, WireError | undefined>;
  loading: Record<string, boolean>;
  refresh(serverId: string): Promise<void>;
}

export const useContainers = create<ContainersState>((set, get) => ({
  byServer: {},
  errors: {},
  loading: {},
  async refresh(serverId) {
    if (get().loading[serverId]) return;
    set((s) => ({ loading: { ...s.loading, [serverId]: true } }));
    try {
      const list = await api.call('docker.containers', { server: serverId, stats: true });
      set((s) => ({
        byServer: { ...s.byServer, [serverId]: { list, at: Date.now() } },
        errors: { ...s.errors, [serverId]: undefined },
      }));
    } catch (err) {
      set((s) => ({ errors: { ...s.errors, [serverId]: wireErrorOf(err) } }));
    } finally {
      set((s) => ({ loading: { ...s.loading, [serverId]: false } }));
    }
  },
}));
