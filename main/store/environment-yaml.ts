// An environment file as the operator wrote it: YAML, read with a bound on aliases (a billion-laughs
// file is refused, not expanded), then validated by the environment schema.
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { FlipdeckError } from '../../shared/errors';
import { parseEnvironment, type Environment } from '../../shared/environment';

/** The file's mapping of keys, not yet validated; a bad_input error names the file and the line. */
export function environmentDocument(text: string, fileName = 'environment file'): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true, maxAliasCount: 50 });
  } catch (err) {
    const where = err instanceof YAMLParseError ? err.message : String(err);
    throw new FlipdeckError('bad_input', `${fileName} is not valid YAML: ${where}`, {
      fix: 'fix the YAML syntax at the line named',
    });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new FlipdeckError('bad_input', `${fileName} must be a mapping of keys (server, name, image…)`);
  }
  return doc as Record<string, unknown>;
}

export function parseEnvironmentYaml(text: string, fileName = 'environment file'): Environment {
  return parseEnvironment(environmentDocument(text, fileName));
}
