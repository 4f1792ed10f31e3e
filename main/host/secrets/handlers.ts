// The contract's secret channels: which secrets an environment needs and whether each is set, and
// setting or removing one in the local secret store the app, the CLI and the browser host share. A
// value comes in with `secrets.set` and never goes out again: every answer is a SecretStatus, and the
// audit log records the action and the secret's name only.
import type { SecretStatus } from '../../../shared/model';
import type { AuditLog } from '../../store/audit-log';
import type { EnvironmentStore } from '../../store/environments';
import type { InventoryStore } from '../../store/inventory';
import { envVarFor, type Redactor, type SecretStore } from '../../store/secret-store';
import { recorder } from '../audit/recorded';
import type { Handlers } from '../dispatch';
import { referencedSecrets } from './referenced';

export type SecretChannels = 'secrets.list' | 'secrets.set' | 'secrets.remove';

export function createSecretHandlers(d: {
  secrets: SecretStore;
  environments: EnvironmentStore;
  inventory: InventoryStore;
  audit: AuditLog;
  redactor: Redactor;
  env: NodeJS.ProcessEnv;
  warn: (message: string) => void;
}): Pick<Handlers, SecretChannels> {
  const recorded = recorder(d.audit, d.warn);

  async function status(name: string, usedBy: string[] = []): Promise<SecretStatus> {
    const found = await d.secrets.find(name);
    // A value read here is one Flipdeck now holds: from now on it is redacted wherever output goes.
    if (found) d.redactor.add(found.value);
    return {
      name,
      set: found !== undefined,
      source: found?.source ?? null,
      where: found?.where ?? null,
      usedBy,
      envVar: envVarFor(name),
    };
  }

  return {
    'secrets.list': async ({ server, env }) => {
      if (server === undefined || env === undefined)
        return Promise.all((await d.secrets.list()).map((name) => status(name)));
      await d.inventory.reloadIfChanged();
      const host = d.inventory.serverByName(server);
      const environment = await d.environments.get(host.name, env);
      const names = referencedSecrets(environment, host.passphraseSecret);
      return Promise.all([...names].map(([name, usedBy]) => status(name, usedBy)));
    },
    'secrets.set': async ({ name, value }) => {
      d.redactor.add(value);
      await recorded('secret.set', { secret: name }, undefined, () => d.secrets.set(name, value));
      return status(name);
    },
    'secrets.remove': async ({ name }) => {
      await recorded('secret.remove', { secret: name }, undefined, () => d.secrets.delete(name));
      return status(name);
    },
  };
}
