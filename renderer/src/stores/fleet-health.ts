// The fleet view's health of every server, loaded progressively: a few servers at a time, each
// entry shown as soon as it arrives, so one slow server never blocks the others.
import { create } from 'zustand';
import type { ServerHealth } from '../../../shared/model';
import { api } from '../api';
import { wireErrorOf } from '../errors';
import type { ServerStatus } from './fleet';

/** Parallel health checks; each is one SSH connection and a handful of calls. */
export const HEALTH_CONCURRENCY = 8;

interface FleetHealthState {
  health: Record<string, ServerHealth | undefined>;
  loading: Record<string, boolean | undefined>;
  /** When the last full pass started and ended (ms since epoch): what bench:ui reads. */
  pass: { startedAt: number; endedAt: number | null } | null;
  refresh(serverIds: string[]): Promise<void>;
}

export const useFleetHealth = create<FleetHealthState>((set, get) => ({
  health: {},
  loading: {},
  pass: null,
  async refresh(serverIds) {
    if (get().pass && get().pass!.endedAt === null) return; // one pass at a time
    set({
      pass: { startedAt: Date.now(), endedAt: null },
      loading: Object.fromEntries(serverIds.map((id) => [id, true])),
    });
    let next = 0;
    const worker = async () => {
      while (next < serverIds.length) {
        const id = serverIds[next++]!;
        let h: ServerHealth;
        try {
          h = await api.call('fleet.health', { server: id });
        } catch (err) {
          const e = wireErrorOf(err);
          h = {
            server: id,
            reachable: false,
            environments: [],
            error: { code: e.code, message: e.message, ...(e.fix ? { fix: e.fix } : {}) },
            checkedAt: new Date().toISOString(),
            ms: 0,
          };
        }
        set((s) => ({ health: { ...s.health, [id]: h }, loading: { ...s.loading, [id]: false } }));
      }
    };
    await Promise.all(Array.from({ length: Math.min(HEALTH_CONCURRENCY, serverIds.length) }, worker));
    set((s) => ({ pass: s.pass ? { ...s.pass, endedAt: Date.now() } : null }));
  },
}));

/** What the sidebar shows for a server this window has not connected to itself yet. */
export function statusFromHealth(h: ServerHealth | undefined): ServerStatus | undefined {
  if (!h) return undefined;
  if (h.needsTrust) return { kind: 'unknown' };
  if (!h.reachable)
    return { kind: 'error', error: { code: 'unreachable', message: h.error?.message ?? 'unreachable' } };
  return h.docker ? { kind: 'connected', docker: h.docker.version, supported: h.docker.supported } : undefined;
}
