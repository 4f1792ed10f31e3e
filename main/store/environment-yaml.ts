// An environment file as the operator wrote it: YAML, read with a bound on aliases (a billion-laughs
// file is refused, not expanded), on size (1 MiB, checked before the file is read whole) and on keys
// (1,000, nested ones included), then validated by the environment schema.
import { open } from 'node:fs/promises';
import { parse as parseYaml, YAMLParseError, type Tags } from 'yaml';
import { FlipdeckError } from '../../shared/errors';
import { MAX_ENVIRONMENT_FILE_BYTES, parseEnvironment, tooManyKeys, type Environment } from '../../shared/environment';

const LIMIT_TEXT = `1 MiB (${MAX_ENVIRONMENT_FILE_BYTES.toLocaleString('en')} bytes)`;

function tooBig(fileName: string, size: number | null): FlipdeckError {
  return new FlipdeckError(
    'bad_input',
    `${fileName} is ${size === null ? 'larger than' : `${size.toLocaleString('en')} bytes; environment files may be at most`} ${LIMIT_TEXT}`,
    { fix: 'remove what the environment does not need (an environment file is a few kilobytes)' },
  );
}

/**
 * YAML 1.2 reads `0x16` and `0o26` as the number 22: a port or a count written that way is taken as a
 * string instead, so the schema refuses it and says to write decimal digits.
 */
const decimalIntegersOnly = (tags: Tags): Tags =>
  tags.filter((t) => !(typeof t === 'object' && t.tag === 'tag:yaml.org,2002:int' && t.format !== undefined));

/**
 * Reads an environment file, refusing one over 1 MiB before reading it whole: the size is checked on
 * the open file, and at most one byte more than the limit is read (a file that grows, or a device
 * with no size, is refused too).
 */
export async function readEnvironmentFile(file: string): Promise<string> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    if (size > MAX_ENVIRONMENT_FILE_BYTES) throw tooBig(file, size);
    const buf = Buffer.alloc(MAX_ENVIRONMENT_FILE_BYTES + 1);
    let got = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, null);
      if (bytesRead === 0) break;
      got += bytesRead;
      if (got > MAX_ENVIRONMENT_FILE_BYTES) throw tooBig(file, null);
    }
    return buf.subarray(0, got).toString('utf8');
  } finally {
    await fh.close();
  }
}

/** The file's mapping of keys, not yet validated; a bad_input error names the file and the line. */
export function environmentDocument(text: string, fileName = 'environment file'): Record<string, unknown> {
  const size = Buffer.byteLength(text);
  if (size > MAX_ENVIRONMENT_FILE_BYTES) throw tooBig(fileName, size);
  let doc: unknown;
  try {
    doc = parseYaml(text, {
      prettyErrors: true,
      maxAliasCount: 50,
      customTags: decimalIntegersOnly,
      logLevel: 'error',
    });
  } catch (err) {
    const where = err instanceof YAMLParseError ? err.message : String(err);
    throw new FlipdeckError('bad_input', `${fileName} is not valid YAML: ${where}`, {
      fix: 'fix the YAML syntax at the line named',
    });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new FlipdeckError('bad_input', `${fileName} must be a mapping of keys (server, name, image…)`);
  }
  const crowded = tooManyKeys(doc, fileName);
  if (crowded) throw crowded;
  return doc as Record<string, unknown>;
}

export function parseEnvironmentYaml(text: string, fileName = 'environment file'): Environment {
  return parseEnvironment(environmentDocument(text, fileName));
}
