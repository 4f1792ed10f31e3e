// Field rules shared by the contract, the CLI and the store: bad input is refused with a message
// that says what to fix, before anything reaches a shell, a file or a remote host.
import { z } from 'zod';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
/** C0/C1 controls, line/paragraph separators, and the invisible characters that reorder or hide text:
 *  bidi embeddings/overrides/isolates and marks, zero-width spaces and joiners, the BOM. */
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_NAME = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/u;

const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * A client or server name: shown in lists, written in `SERVER/ENV` refs, stored in labels and the audit
 * log. One spelling per name (Unicode NFC), no `/` (it splits a ref), nothing invisible or reordering.
 */
export const displayName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .superRefine((s, ctx) => {
    const bad = UNSAFE_IN_NAME.exec(s);
    if (bad)
      ctx.addIssue({
        code: 'custom',
        message: `must not contain control, bidi or invisible characters (found ${codePoint(bad[0])} at position ${bad.index + 1}): retype the name`,
      });
    else if (s.includes('/'))
      ctx.addIssue({ code: 'custom', message: 'must not contain "/" (it separates SERVER/ENV): use - or _ instead' });
    else if (s !== s.normalize('NFC'))
      ctx.addIssue({
        code: 'custom',
        message:
          'must be in Unicode NFC form (accents composed, e.g. "é" as one character, not "e" + a combining mark): retype the name',
      });
  });

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);

/** DNS name, IPv4 or bracket-less IPv6. Nothing a shell or ssh option parser could misread. */
export const hostName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(253, 'must be at most 253 characters')
  .regex(/^(?!-)[A-Za-z0-9._:-]+$/, 'must be a host name or IP address (letters, digits, dots, dashes, colons)')
  .refine(
    (s) => !/^(?:0x[0-9a-f]*|\d+)(?:\.(?:0x[0-9a-f]*|\d+))*$/i.test(s) || IPV4.test(s),
    'reads as an IPv4 address in a non-standard form (hex, octal, fewer than four parts or a number over 255): write four decimal numbers 0–255 like 10.0.0.22, or a host name',
  );

export const userName = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]*\$?$/, 'must be a plain user name (letters, digits, _ . -; not starting with - )');

export const PORT_RANGE = '1–65535';
const PORT_TEXT = /^\d{1,5}$/;

/** Why `value` is not a port, or null: decimal digits only (`0x16`, `1e3`, ` 22` are refused), 1–65535. */
export function portProblem(value: unknown): string | null {
  const what = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : String(value);
  if (typeof value === 'string' && !PORT_TEXT.test(value))
    return `must be a port number written in decimal digits (1 to 5 of them), ${PORT_RANGE}; got ${what}`;
  if (typeof value !== 'string' && typeof value !== 'number') return `must be a port number, ${PORT_RANGE}`;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) return `must be a port number in ${PORT_RANGE}; got ${what}`;
  return null;
}

/** A TCP port, as a number or as decimal digits (a CLI flag, an ssh config): never hex, octal or exponent. */
export const port = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const problem = portProblem(v);
  if (problem) {
    ctx.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  }
  return Number(v);
});

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

/**
 * The shortest secret Flipdeck uses: every occurrence of a secret is redacted from every output, and a
 * 1–3 character one ("a", "pw") would blank ordinary words.
 */
export const MIN_SECRET_LENGTH = 8;
/** The longest: a password or a token, not a file. */
export const MAX_SECRET_BYTES = 16 * 1024;

/** A secret's value as entered: never echoed in a message. */
export const secretValue = z
  .string()
  .min(1, 'is empty: give the secret a value')
  .refine(
    (v) => [...v].length >= MIN_SECRET_LENGTH,
    `must be at least ${MIN_SECRET_LENGTH} characters, so that Flipdeck can keep it out of every log and output`,
  )
  .refine(
    (v) => new TextEncoder().encode(v).length <= MAX_SECRET_BYTES,
    'must be at most 16 KiB: a password or a token, not a file',
  );

export const id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'not a valid id');

/** Turns zod issues into one sentence per field: "host: must be a host name…". */
export function describeIssues(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') : 'value'}: ${i.message}`).join('; ');
}
