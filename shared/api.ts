// Builds the typed api the renderer uses, over whichever transport carries it
// (Electron's preload, or the browser host's WebSocket bridge).
import type { Channel, EventName, Events, Request, Response } from './ipc-contract';
import type { WireError } from './errors';

export type CallResult<T> = { ok: true; value: T } | { ok: false; error: WireError };

export interface Transport {
  invoke(channel: string, request: unknown): Promise<CallResult<unknown>>;
  subscribe(event: string, listener: (payload: unknown) => void): () => void;
}

export type FlipdeckApi = {
  call<C extends Channel>(channel: C, request: Request<C>): Promise<Response<C>>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
};

/** Error thrown in the renderer when a call fails: carries the wire error as data. */
export class CallError extends Error {
  constructor(
    readonly error: WireError,
    readonly channel: string,
  ) {
    super(error.message);
    this.name = 'CallError';
  }
}

export function createApi(transport: Transport): FlipdeckApi {
  return {
    async call(channel, request) {
      const result = await transport.invoke(channel, request);
      if (!result.ok) throw new CallError(result.error, channel);
      return result.value as never;
    },
    on(event, listener) {
      return transport.subscribe(event, listener as (p: unknown) => void);
    },
  };
}
