// The contract's handlers: thin, each one a few lines over the store and the server sessions.
// Anything that changes state is written to the audit log with its outcome.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Handlers } from './dispatch';
import type { EnvironmentChannels } from './environments/handlers';
import type { StreamChannels } from './streams/handlers';
import type { InventoryStore } from '../store/inventory';
import type { AuditLog } from '../store/audit-log';
import type { ServerSessions } from './servers/server-sessions';
import { readSshConfigHosts, toNewServers } from '../store/ssh-config-import';
import { listContainers } from '../remote/docker-client';
import { FlipdeckError } from '../../shared/errors';
import { APP_VERSION } from './version';
import { recorder } from './audit/recorded';
import type { SecretChannels } from './secrets/handlers';

export interface HandlerDeps {
  home: string;
  transport: 'electron' | 'browser';
  inventory: InventoryStore;
  audit: AuditLog;
  sessions: ServerSessions;
  probeLocalDocker: () => Promise<{ socket: string; reachable: boolean }>;
  env: NodeJS.ProcessEnv;
  /** Something the user should know that does not make the call fail (the CLI prints it on stderr). */
  warn: (message: string) => void;
}

export function createHandlers(d: HandlerDeps): Omit<Handlers, EnvironmentChannels | StreamChannels | SecretChannels> {
  const { inventory, audit, sessions } = d;

  const recorded = recorder(audit, d.warn);

  // FLIPDECK_SSH_CONFIG: another default file (a shared team config; the e2e journeys' own).
  const sshConfigPath = (p?: string) => p ?? d.env.FLIPDECK_SSH_CONFIG ?? path.join(os.homedir(), '.ssh', 'config');

  return {
    'app.info': async () => {
      const empty = inventory.get().servers.length === 0;
      return {
        version: APP_VERSION,
        transport: d.transport,
        home: d.home,
        localDocker: empty ? await d.probeLocalDocker() : null,
      };
    },
    'inventory.get': async (q) => {
      await inventory.reloadIfChanged();
      return inventory.search(q);
    },
    'clients.add': (r) => recorded('client.add', { name: r.name }, undefined, () => inventory.addClient(r)),
    'clients.update': ({ id, ...patch }) =>
      recorded('client.update', { id, ...patch }, undefined, () => inventory.updateClient(id, patch)),
    'clients.remove': ({ id }) => recorded('client.remove', { id }, undefined, () => inventory.removeClient(id)),
    'servers.add': (s) =>
      recorded('server.add', { name: s.name, host: s.host, port: s.port, user: s.user }, s.name, () =>
        inventory.addServer(s),
      ),
    'servers.update': async ({ id, patch }) => {
      const name = inventory.server(id).name;
      const updated = await recorded('server.update', { id, fields: Object.keys(patch) }, name, () =>
        inventory.updateServer(id, patch),
      );
      await sessions.disconnect(id); // new settings apply on the next connection
      return updated;
    },
    'servers.remove': async ({ id }) => {
      const name = inventory.server(id).name;
      await sessions.disconnect(id);
      await recorded('server.remove', { id }, name, () => inventory.removeServer(id));
    },
    'servers.sshConfigHosts': async ({ path: p }) =>
      readSshConfigHosts(await readSshConfig(sshConfigPath(p)), { homeDir: os.homedir() }),
    'servers.importSshConfig': async ({ clientId, path: p, aliases }) => {
      const file = sshConfigPath(p);
      const hosts = readSshConfigHosts(await readSshConfig(file), { homeDir: os.homedir() });
      const { servers, skipped } = toNewServers(hosts, clientId, aliases);
      const added = [];
      for (const s of servers) {
        try {
          added.push(await inventory.addServer(s));
        } catch (err) {
          skipped.push({ alias: s.name, reason: err instanceof Error ? err.message : String(err) });
        }
      }
      await audit.append({
        action: 'server.import',
        ok: true,
        detail: { file, added: added.map((s) => s.name), skipped },
      });
      return { added, skipped };
    },
    'servers.connect': async ({ id }) => sessions.connect(id),
    'servers.trustHostKey': async ({ id, fingerprint, hop }) => {
      const server = inventory.server(id);
      await sessions.disconnect(id);
      return recorded('host-key.trust', { fingerprint, hop }, server.name, () =>
        hop === 'jump' ? inventory.pinJumpHostKey(id, fingerprint) : inventory.pinHostKey(id, fingerprint),
      );
    },
    'servers.disconnect': async ({ id }) => sessions.disconnect(id),
    'docker.containers': async ({ server, stats }) => listContainers(await sessions.docker(server), { stats }),
    'audit.verify': async () => audit.verify(),
  };
}

async function readSshConfig(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new FlipdeckError('not_found', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      fix: 'give the path of your ssh config file',
    });
  }
}
