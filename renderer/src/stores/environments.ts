// Environments of a server and their status, read from the server (never remembered), refreshed
// while shown. One slow server never blocks another: every entry loads on its own.
import { create } from 'zustand';
import type { EnvironmentStatus, EnvironmentSummary, PreflightCheck } from '../../../shared/deploy';
import type { WireError } from '../../../shared/errors';
import { api } from '../api';
import { wireErrorOf } from '../errors';

export const envKey = (server: string, env: string) => `${server}/${env}`;

interface EnvironmentsState {
  byServer: Record<string, EnvironmentSummary[] | undefined>;
  status: Record<string, EnvironmentStatus | undefined>;
  errors: Record<string, WireError | undefined>;
  preflight: Record<string, { checks: PreflightCheck[] | null; error: WireError | null; running: boolean } | undefined>;
  load(server: string): Promise<void>;
  refreshStatus(server: string, env: string): Promise<void>;
  runPreflight(server: string, env: string): Promise<void>;
}

export const useEnvironments = create<EnvironmentsState>((set) => ({
  byServer: {},
  status: {},
  errors: {},
  preflight: {},
  async load(server) {
    try {
      const list = await api.call('environments.list', { server });
      set((s) => ({ byServer: { ...s.byServer, [server]: list }, errors: { ...s.errors, [server]: undefined } }));
    } catch (err) {
      set((s) => ({ errors: { ...s.errors, [server]: wireErrorOf(err) } }));
    }
  },
  async refreshStatus(server, env) {
    const key = envKey(server, env);
    try {
      const st = await api.call('environments.status', { server, env });
      set((s) => ({ status: { ...s.status, [key]: st }, errors: { ...s.errors, [key]: undefined } }));
    } catch (err) {
      set((s) => ({ errors: { ...s.errors, [key]: wireErrorOf(err) } }));
    }
  },
  async runPreflight(server, env) {
    const key = envKey(server, env);
    set((s) => ({ preflight: { ...s.preflight, [key]: { checks: null, error: null, running: true } } }));
    try {
      const checks = await api.call('deploy.preflight', { server, env });
      set((s) => ({ preflight: { ...s.preflight, [key]: { checks, error: null, running: false } } }));
    } catch (err) {
      set((s) => ({ preflight: { ...s.preflight, [key]: { checks: null, error: wireErrorOf(err), running: false } } }));
    }
  },
}));
