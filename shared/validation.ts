// Field rules shared by the contract, the CLI and the store: bad input is refused with a message
// that says what to fix, before anything reaches a shell, a file or a remote host.
import { z } from 'zod';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export const displayName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .refine((s) => !CONTROL.test(s), 'must not contain control characters or newlines');

/** DNS name, IPv4 or bracket-less IPv6. Nothing a shell or ssh option parser could misread. */
export const hostName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(253, 'must be at most 253 characters')
  .regex(/^(?!-)[A-Za-z0-9._:-]+$/, 'must be a host name or IP address (letters, digits, dots, dashes, colons)');

export const userName = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]*\$?$/, 'must be a plain user name (letters, digits, _ . -; not starting with - )');

export const port = z.coerce.number().int('must be a whole number').min(1).max(65535, 'must be 1–65535');

/** A file path (local or remote). Quoted wherever it is used, so only NUL and newlines are refused. */
export const filePath = z
  .string()
  .min(1, 'must not be empty')
  .max(4096, 'must be at most 4096 characters')
  .refine((s) => !CONTROL.test(s), 'must not contain control characters or newlines')
  .refine((s) => s.startsWith('/') || s.startsWith('~'), 'must be an absolute path (or start with ~)');

export const fingerprint = z
  .string()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, 'must be an OpenSSH SHA-256 fingerprint like SHA256:AbC…');

export const tag = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(/^[\p{L}\p{N}_.:-]+$/u, 'tags are single words (letters, digits, _ . : -)');

export const secretName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, 'secret names are letters, digits, _ . - (max 64)');

export const id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'not a valid id');

/** Turns zod issues into one sentence per field: "host: must be a host name…". */
export function describeIssues(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') : 'value'}: ${i.message}`).join('; ');
}
