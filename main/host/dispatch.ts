// One dispatcher for every transport: Electron's ipcMain and the browser host's WebSocket both
// hand raw payloads here. The payload is parsed with the channel's zod schema before any handler runs.
import {
  requestSchemas,
  type Channel,
  type Events,
  type EventName,
  type ParsedRequest,
  type Response,
} from '../../shared/ipc-contract';
import { describeIssues } from '../../shared/validation';
import { toWireError, type WireError } from '../../shared/errors';
import type { CallResult } from '../../shared/api';

export interface CallContext {
  /** Which transport carried the call; logged, and used by sender checks upstream. */
  transport: 'electron' | 'browser' | 'cli' | 'test';
}

export type Handlers = {
  [C in Channel]: (request: ParsedRequest<C>, ctx: CallContext) => Promise<Response<C>>;
};

export type EmitEvent = <E extends EventName>(event: E, payload: Events[E]) => void;

export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(requestSchemas, name);
}

export async function dispatch(
  handlers: Handlers,
  channel: unknown,
  payload: unknown,
  ctx: CallContext,
): Promise<CallResult<unknown>> {
  if (!isChannel(channel)) {
    return {
      ok: false,
      error: { code: 'bad_input', message: `unknown channel ${JSON.stringify(String(channel)).slice(0, 80)}` },
    };
  }
  const parsed = requestSchemas[channel].safeParse(payload ?? {});
  if (!parsed.success) {
    const error: WireError = {
      code: 'bad_input',
      message: `${channel}: ${describeIssues(parsed.error)}`,
      fix: 'correct the named fields and try again',
    };
    return { ok: false, error };
  }
  try {
    const handler = handlers[channel] as (r: unknown, c: CallContext) => Promise<unknown>;
    const value = await handler(parsed.data, ctx);
    return { ok: true, value };
  } catch (err) {
    return { ok: false, error: toWireError(err) };
  }
}
