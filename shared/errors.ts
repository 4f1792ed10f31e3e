// Errors cross the contract as plain data: what happened, and what to do next.

export type ErrorCode =
  | 'bad_input' // the request itself is wrong; the message names the field
  | 'not_found'
  | 'host_key_unknown' // first contact: the user must accept or pin a fingerprint
  | 'host_key_changed' // hard refusal, never overridable
  | 'auth_failed'
  | 'unreachable'
  | 'connection_lost'
  | 'permission_denied'
  | 'docker_unavailable'
  | 'secret_missing'
  | 'store_corrupt'
  | 'refused'
  | 'remote_failed' // a command ran on the server and failed; the message carries what it printed
  | 'internal';

export interface WireError {
  code: ErrorCode;
  message: string;
  /** One sentence that tells the user what to do about it. */
  fix?: string;
  /** Structured facts for the UI (fingerprints, paths, argv…). */
  detail?: Record<string, unknown>;
}

export class FlipdeckError extends Error implements WireError {
  readonly code: ErrorCode;
  readonly fix?: string;
  readonly detail?: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { fix?: string; detail?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'FlipdeckError';
    this.code = code;
    if (opts.fix !== undefined) this.fix = opts.fix;
    if (opts.detail !== undefined) this.detail = opts.detail;
  }

  toWire(): WireError {
    return {
      code: this.code,
      message: this.message,
      ...(this.fix ? { fix: this.fix } : {}),
      ...(this.detail ? { detail: this.detail } : {}),
    };
  }
}

export function toWireError(err: unknown): WireError {
  if (err instanceof FlipdeckError) return err.toWire();
  if (isWireError(err))
    return {
      code: err.code,
      message: err.message,
      ...(err.fix ? { fix: err.fix } : {}),
      ...(err.detail ? { detail: err.detail } : {}),
    };
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'internal', message };
}

export function isWireError(v: unknown): v is WireError {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as WireError).code === 'string' &&
    typeof (v as WireError).message === 'string'
  );
}
