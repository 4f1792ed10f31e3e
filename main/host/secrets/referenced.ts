// Which secrets an environment needs before it can be deployed, and what in it refers to each.
import type { Environment } from '../../../shared/environment';

/** Secret name → what refers to it (`env SMTP_PASSWORD`, `db.password`, `key passphrase of server lab`), in file order. */
export function referencedSecrets(environment: Environment, passphraseSecret?: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (name: string, what: string) => out.set(name, [...(out.get(name) ?? []), what]);
  for (const [k, v] of Object.entries(environment.env)) if (typeof v === 'object') add(v.secret, `env ${k}`);
  if (environment.db !== 'managed') add(environment.db.password.secret, 'db.password');
  if (passphraseSecret) add(passphraseSecret, `key passphrase of server ${environment.server}`);
  return out;
}
