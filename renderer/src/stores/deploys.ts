// Deploys and rollbacks started from this window: the store owns the one subscription to the
// deploy stream events (opened on the first start, closed by dispose) and folds them
// (deploy-view.ts); components read views and call actions.
import { create } from 'zustand';
import type { WireError } from '../../../shared/errors';
import { api } from '../api';
import { wireErrorOf } from '../errors';
import { applyEvent, newDeployView, phaseOf, type DeployView } from '../features/deploy/deploy-view';
import { envKey, useEnvironments } from './environments';
import { ownedSubscriptions } from './subscriptions';

interface DeploysState {
  views: Record<string, DeployView | undefined>;
  /** The stream shown for each environment (the latest one started here). */
  current: Record<string, string | undefined>;
  startError: Record<string, WireError | undefined>;
  start(
    server: string,
    env: string,
    kind: 'deploy' | 'rollback',
    ref?: string,
    updateMode?: 'online' | 'cutover',
  ): Promise<void>;
  confirmFlip(stream: string): Promise<void>;
  cancel(stream: string): Promise<void>;
  dismiss(server: string, env: string): void;
  /** Removes the store's event listener (tests, hot reload); the next start adds it again. */
  dispose(): void;
}

export const useDeploys = create<DeploysState>((set, get) => {
  const subscriptions = ownedSubscriptions(() => [
    api.on('deploy.event', ({ stream, server, env, event }) => {
      const view = get().views[stream] ?? newDeployView(stream, server, env, 'deploy', Date.now());
      const next = applyEvent(view, event);
      set((s) => ({ views: { ...s.views, [stream]: next } }));
      // What runs on the server changed: read it again.
      if (
        event.kind === 'end' ||
        event.kind === 'error' ||
        (event.kind === 'progress' && event.progress.kind === 'step' && event.progress.state !== 'running')
      ) {
        void useEnvironments.getState().refreshStatus(server, env);
      }
      if ((event.kind === 'end' || event.kind === 'error') && document.hidden) notifyDone(next);
    }),
  ]);
  return {
    views: {},
    current: {},
    startError: {},
    async start(server, env, kind, ref, updateMode) {
      subscriptions.ensure();
      const key = envKey(server, env);
      set((s) => ({ startError: { ...s.startError, [key]: undefined } }));
      try {
        const { stream } = await api.call('deploy.start', {
          server,
          env,
          kind,
          confirmFlip: kind === 'deploy',
          ...(ref ? { ref } : {}),
          ...(updateMode ? { updateMode } : {}),
        });
        set((s) => ({
          current: { ...s.current, [key]: stream },
          views: {
            ...s.views,
            [stream]: { ...(s.views[stream] ?? newDeployView(stream, server, env, kind, Date.now())), kind },
          },
        }));
      } catch (err) {
        set((s) => ({ startError: { ...s.startError, [key]: wireErrorOf(err) } }));
      }
    },
    async confirmFlip(stream) {
      await api.call('deploy.confirmFlip', { stream });
    },
    async cancel(stream) {
      await api.call('deploy.cancel', { stream });
    },
    dismiss(server, env) {
      set((s) => ({ current: { ...s.current, [envKey(server, env)]: undefined } }));
    },
    dispose: subscriptions.dispose,
  };
});

/** A desktop notification when a deploy that ran in the background ends. */
function notifyDone(v: DeployView): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  const phase = phaseOf(v);
  new Notification(
    `${v.kind === 'deploy' ? 'Deploy' : 'Rollback'} of ${v.server}/${v.env} ${phase === 'done' ? 'finished' : phase}`,
  );
}
