// What every CLI command gets: the same host services the app uses, called through the same
// dispatcher (so the CLI validates input exactly as the app does), and a typed `call`.
import { dispatch } from '../host/dispatch';
import { createHostServices, type HostServices } from '../host/services';
import type { AuditLog } from '../store/audit-log';
import { openAuditLog } from '../store/audit-trust';
import { resolveHome } from '../store/home';
import { EnvSecretStore } from '../store/secret-store';
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

/**
 * Only the audit log, opened the way the host services open it (same key, same anchor): `audit
 * --verify` must work when the rest of the home (the inventory) is damaged, and must not touch it.
 */
export interface AuditContext {
  audit: AuditLog;
  /** The full context, for what needs the inventory or a server (`--against`); closed by the caller's run. */
  full(): Promise<CliContext>;
  out(text: string): void;
  err(text: string): void;
}

export async function openAuditContext(
  io: { out(t: string): void; err(t: string): void },
  onFull: (ctx: CliContext) => void,
): Promise<AuditContext> {
  const env = process.env;
  // A lost or altered head, or a second key, is for verify to report, not for opening to paper over.
  const { audit, warnings } = await openAuditLog({
    home: resolveHome(env),
    env,
    secrets: new EnvSecretStore(env),
    verifyOnly: true,
  });
  for (const w of warnings) io.err(`warning: ${w}`);
  let full: Promise<CliContext> | undefined;
  return {
    audit,
    full: () => {
      full ??= openContext(io).then((ctx) => {
        onFull(ctx);
        return ctx;
      });
      return full;
    },
    out: io.out,
    err: io.err,
  };
}

export function asWire(err: unknown): WireError {
  if (err instanceof CliCallError) return err.wire;
  if (err instanceof FlipdeckError) return err.toWire();
  return { code: 'internal', message: err instanceof Error ? err.message : String(err) };
}
