// What every CLI command gets: the same host services the app uses, called through the same
// dispatcher (so the CLI validates input exactly as the app does), and a typed `call`.
import { dispatch } from '../host/dispatch';
import { createHostServices, type HostServices } from '../host/services';
import type { Channel, Request, Response } from '../../shared/ipc-contract';
import { FlipdeckError, type WireError } from '../../shared/errors';

export interface CliContext {
  services: HostServices;
  call<C extends Channel>(channel: C, request: Request<C>): Promise<Response<C>>;
  out(text: string): void;
  err(text: string): void;
}

export class CliCallError extends Error {
  constructor(readonly wire: WireError) {
    super(wire.message);
  }
}

export async function openContext(io: { out(t: string): void; err(t: string): void }): Promise<CliContext> {
  const services = await createHostServices({ transport: 'cli', warn: (t) => io.err(`warning: ${t}`) });
  for (const w of services.warnings) io.err(`warning: ${w}`);
  // Everything the CLI prints (progress, logs, results, errors) passes the redactor.
  return {
    services,
    async call(channel, request) {
      const result = await dispatch(services.handlers, channel, request, { transport: 'cli' });
      if (!result.ok) throw new CliCallError(result.error);
      return result.value as never;
    },
    out: (text) => io.out(services.redact(text)),
    err: (text) => io.err(services.redact(text)),
  };
}

export function asWire(err: unknown): WireError {
  if (err instanceof CliCallError) return err.wire;
  if (err instanceof FlipdeckError) return err.toWire();
  return { code: 'internal', message: err instanceof Error ? err.message : String(err) };
}
