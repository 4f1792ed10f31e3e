// Turns a failed call into words for the user and, for bad input, errors per form field.
import { CallError } from '../../shared/api';
import type { WireError } from '../../shared/errors';

export function wireErrorOf(err: unknown): WireError {
  if (err instanceof CallError) return err.error;
  return { code: 'internal', message: err instanceof Error ? err.message : String(err) };
}

/** "servers.add: host: must be …; port: must be …" → { host: 'must be …', port: 'must be …' } */
export function fieldErrors(error: WireError): Record<string, string> {
  if (error.code !== 'bad_input') return {};
  const text = error.message.replace(/^[a-z]+\.[A-Za-z]+: /, '');
  const out: Record<string, string> = {};
  for (const part of text.split('; ')) {
    const m = /^([A-Za-z_.]+): (.+)$/.exec(part);
    if (m?.[1] && m[2]) out[m[1]] = m[2];
  }
  return out;
}
