// A stand-in for the preload in renderer tests: window.flipdeck answers calls from a table and
// emits events to whoever subscribed. Listeners are kept in a list (as ipcRenderer keeps them), so
// a store that subscribes twice is seen twice.
import type { CallResult, Transport } from '../../../shared/api';
import type { EventName, Events } from '../../../shared/ipc-contract';

type Answers = Record<string, (request: unknown) => unknown>;

export function installFakeHost(answers: Answers) {
  const listeners = new Map<string, ((payload: unknown) => void)[]>();
  const transport: Transport = {
    async invoke(channel, request): Promise<CallResult<unknown>> {
      const answer = answers[channel];
      return answer
        ? { ok: true, value: answer(request) }
        : { ok: false, error: { code: 'not_found', message: `no answer for ${channel}` } };
    },
    subscribe(event, listener) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
      return () =>
        listeners.set(
          event,
          (listeners.get(event) ?? []).filter((l) => l !== listener),
        );
    },
  };
  window.flipdeck = transport;
  return {
    emit<E extends EventName>(event: E, payload: Events[E]): void {
      for (const l of listeners.get(event) ?? []) l(payload);
    },
    /** How many listeners the renderer holds on an event now. */
    listening: (event: EventName) => (listeners.get(event) ?? []).length,
    uninstall: () => delete window.flipdeck,
  };
}
