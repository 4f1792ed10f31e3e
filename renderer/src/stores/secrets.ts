// The secrets an environment refers to and whether each is set: read when the screen opens and after
// every change. A value passes through `set` on its way to main and is never kept here: the store
// holds names, states and sources only, so nothing can render a value back.
import { create } from 'zustand';
import type { WireError } from '../../../shared/errors';
import type { SecretStatus } from '../../../shared/model';
import { api } from '../api';
import { wireErrorOf } from '../errors';
import { envKey } from './environments';

export interface SecretsEntry {
  list: SecretStatus[] | null;
  listError: WireError | null;
  /** The secret a change is running for, and which change. */
  busy: { name: string; action: 'set' | 'remove' } | null;
  /** The last change's outcome, per secret name: an error with its fix, or what was done. */
  outcome: Record<string, { ok: true; text: string } | { ok: false; error: WireError } | undefined>;
}

interface SecretsState {
  byEnv: Record<string, SecretsEntry | undefined>;
  load(server: string, env: string): Promise<void>;
  /** Resolves true when the value was stored. */
  set(server: string, env: string, name: string, value: string): Promise<boolean>;
  remove(server: string, env: string, name: string): Promise<void>;
}

const blank: SecretsEntry = { list: null, listError: null, busy: null, outcome: {} };

export const useSecrets = create<SecretsState>((set, get) => {
  const entry = (key: string) => get().byEnv[key] ?? blank;
  const patch = (key: string, p: Partial<SecretsEntry>) =>
    set((s) => ({ byEnv: { ...s.byEnv, [key]: { ...(s.byEnv[key] ?? blank), ...p } } }));
  const tell = (key: string, name: string, outcome: SecretsEntry['outcome'][string]) =>
    patch(key, { outcome: { ...entry(key).outcome, [name]: outcome } });

  const reload = async (server: string, env: string) => {
    const key = envKey(server, env);
    try {
      patch(key, { list: await api.call('secrets.list', { server, env }), listError: null });
    } catch (err) {
      patch(key, { listError: wireErrorOf(err) });
    }
  };

  return {
    byEnv: {},
    async load(server, env) {
      patch(envKey(server, env), { list: null, listError: null, outcome: {} });
      await reload(server, env);
    },
    async set(server, env, name, value) {
      const key = envKey(server, env);
      if (entry(key).busy) return false;
      patch(key, { busy: { name, action: 'set' } });
      let stored = false;
      try {
        const s = await api.call('secrets.set', { name, value });
        stored = true;
        tell(key, name, {
          ok: true,
          text:
            s.source === 'environment'
              ? `Stored. ${s.envVar} is set for this Flipdeck process and still overrides the stored value.`
              : 'Stored in the local secret store: the next deploy uses it.',
        });
      } catch (err) {
        tell(key, name, { ok: false, error: wireErrorOf(err) });
      } finally {
        patch(key, { busy: null });
      }
      await reload(server, env);
      return stored;
    },
    async remove(server, env, name) {
      const key = envKey(server, env);
      if (entry(key).busy) return;
      patch(key, { busy: { name, action: 'remove' } });
      try {
        const s = await api.call('secrets.remove', { name });
        tell(key, name, {
          ok: true,
          text: s.set
            ? `Removed from the local secret store; still set from ${s.where}.`
            : 'Removed: a deploy that needs it now stops before it starts anything.',
        });
      } catch (err) {
        tell(key, name, { ok: false, error: wireErrorOf(err) });
      } finally {
        patch(key, { busy: null });
      }
      await reload(server, env);
    },
  };
});
