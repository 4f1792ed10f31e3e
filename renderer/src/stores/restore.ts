// Database backups of an environment and restoring one: the list is read from the server when the
// dialog opens; a restore is one long call whose elapsed time the dialog shows.
import { create } from 'zustand';
import type { BackupInfo, RestoreOutcome } from '../../../shared/deploy';
import type { WireError } from '../../../shared/errors';
import { api } from '../api';
import { wireErrorOf } from '../errors';
import { envKey, useEnvironments } from './environments';

export interface RestoreEntry {
  backups: BackupInfo[] | null;
  suggested?: string | undefined;
  listError: WireError | null;
  running: { backup: string; since: number } | null;
  outcome: RestoreOutcome | null;
  error: WireError | null;
}

interface RestoreState {
  byEnv: Record<string, RestoreEntry | undefined>;
  list(server: string, env: string): Promise<void>;
  restore(server: string, env: string, backup: string): Promise<void>;
}

const blank: RestoreEntry = { backups: null, listError: null, running: null, outcome: null, error: null };

export const useRestore = create<RestoreState>((set, get) => {
  const patch = (key: string, p: Partial<RestoreEntry>) =>
    set((s) => ({ byEnv: { ...s.byEnv, [key]: { ...(s.byEnv[key] ?? blank), ...p } } }));
  return {
    byEnv: {},
    async list(server, env) {
      const key = envKey(server, env);
      patch(key, { ...blank });
      try {
        const r = await api.call('environments.backups', { server, env });
        patch(key, { backups: r.backups, suggested: r.suggested });
      } catch (err) {
        patch(key, { listError: wireErrorOf(err) });
      }
    },
    async restore(server, env, backup) {
      const key = envKey(server, env);
      if (get().byEnv[key]?.running) return;
      patch(key, { running: { backup, since: Date.now() }, outcome: null, error: null });
      try {
        patch(key, { outcome: await api.call('environments.restore', { server, env, backup }), running: null });
      } catch (err) {
        patch(key, { error: wireErrorOf(err), running: null });
      }
      void useEnvironments.getState().refreshStatus(server, env);
    },
  };
});
