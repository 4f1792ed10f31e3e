// Per-server sessions: one SSH connection (from the pool) and one Docker client per server,
// built from the inventory entry and the secret store. Secrets are resolved here, in main, and
// handed straight to ssh2; they never leave this process.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import type Docker from 'dockerode';
import type { ConnectOutcome, Server } from '../../../shared/model';
import { FlipdeckError } from '../../../shared/errors';
import type { InventoryStore } from '../../store/inventory';
import { checkSecretLength, type Redactor, type SecretStore } from '../../store/secret-store';
import type { ConnectionPool } from '../../remote/connection-pool';
import { SshConnection, type SshConnectionOptions } from '../../remote/ssh-connection';
import { dockerOverSsh, engineInfo, localDocker } from '../../remote/docker-client';

export interface ServerSessionsDeps {
  pool: ConnectionPool;
  inventory: InventoryStore;
  secrets: SecretStore;
  redactor: Redactor;
  env: NodeJS.ProcessEnv;
}

export function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? os.homedir() + p.slice(1) : p;
}

export class ServerSessions {
  private readonly dockers = new Map<string, Docker>();

  constructor(private readonly deps: ServerSessionsDeps) {}

  async connect(serverId: string): Promise<ConnectOutcome> {
    const server = this.deps.inventory.server(serverId);
    if (server.kind === 'local') {
      const docker = this.dockerFor(server);
      return { kind: 'connected', docker: await engineInfo(docker) };
    }
    try {
      const conn = await this.connection(server);
      const docker = this.dockerFor(server, conn);
      return { kind: 'connected', docker: await engineInfo(docker) };
    } catch (err) {
      const outcome = hostKeyOutcome(err);
      if (outcome) {
        await this.disconnect(serverId);
        return outcome;
      }
      throw err;
    }
  }

  /** The Docker client for a server, connecting first when needed. */
  async docker(serverId: string): Promise<Docker> {
    const server = this.deps.inventory.server(serverId);
    if (server.kind === 'local') return this.dockerFor(server);
    const conn = await this.connection(server);
    return this.dockerFor(server, conn);
  }

  /** The live SSH connection for a server (for exec, tunnels). */
  async ssh(serverId: string): Promise<SshConnection> {
    const server = this.deps.inventory.server(serverId);
    if (server.kind === 'local')
      throw new FlipdeckError('bad_input', `${server.name} is this computer; it has no SSH connection`);
    return this.connection(server);
  }

  async disconnect(serverId: string): Promise<void> {
    this.dockers.delete(serverId);
    await this.deps.pool.close(serverId);
  }

  async closeAll(): Promise<void> {
    this.dockers.clear();
    await this.deps.pool.closeAll();
  }

  private async connection(server: Server): Promise<SshConnection> {
    const options = await this.optionsFor(server);
    const conn = this.deps.pool.get(server.id, () => new SshConnection(options));
    if (conn.state.kind !== 'connected') await conn.connect();
    return conn;
  }

  private dockerFor(server: Server, conn?: SshConnection): Docker {
    let docker = this.dockers.get(server.id);
    if (!docker) {
      docker = conn ? dockerOverSsh(conn, server.dockerSocket) : localDocker(server.dockerSocket);
      this.dockers.set(server.id, docker);
    }
    return docker;
  }

  private async optionsFor(server: Server): Promise<SshConnectionOptions> {
    const { env, secrets, redactor } = this.deps;
    const agent = server.useAgent ? env.SSH_AUTH_SOCK : undefined;
    if (server.useAgent && !agent) {
      throw new FlipdeckError('bad_input', `${server.name} is set to use ssh-agent, but SSH_AUTH_SOCK is not set`, {
        fix: 'start ssh-agent (and ssh-add your key), or give the server an identity file',
      });
    }
    const privateKey = server.identityFile ? await readKey(server.identityFile) : undefined;
    if (!privateKey && !agent) {
      throw new FlipdeckError('bad_input', `${server.name} has neither an identity file nor ssh-agent`, {
        fix: 'set an identity file (key path) or enable ssh-agent for this server',
      });
    }
    let passphrase: string | undefined;
    if (server.passphraseSecret) {
      passphrase = await secrets.get(server.passphraseSecret);
      if (passphrase === undefined) {
        throw new FlipdeckError('secret_missing', `the key passphrase secret "${server.passphraseSecret}" is not set`, {
          fix: `store it in Flipdeck's secrets, or for the CLI set FLIPDECK_SECRET_${server.passphraseSecret.toUpperCase().replace(/[.-]/g, '_')}`,
        });
      }
    } else if (env.FLIPDECK_KEY_PASSPHRASE) {
      passphrase = checkSecretLength(
        'key passphrase',
        env.FLIPDECK_KEY_PASSPHRASE,
        'FLIPDECK_KEY_PASSPHRASE',
        'give the key a passphrase of 8 or more characters (ssh-keygen -p -f KEY) and set it in FLIPDECK_KEY_PASSPHRASE',
      );
    }
    if (passphrase) redactor.add(passphrase);

    const jump = server.jump
      ? {
          host: server.jump.host,
          port: server.jump.port,
          user: server.jump.user,
          privateKey: server.jump.identityFile ? await readKey(server.jump.identityFile) : privateKey,
          ...(passphrase && !server.jump.identityFile ? { passphrase } : {}),
          agent,
          hostKey: server.jump.hostKey,
        }
      : undefined;

    return {
      host: server.host,
      port: server.port,
      user: server.user,
      privateKey,
      passphrase,
      agent,
      jump,
      hostKey: server.hostKey,
    };
  }
}

async function readKey(path: string): Promise<Buffer> {
  const full = expandHome(path);
  try {
    return await readFile(full);
  } catch (err) {
    throw new FlipdeckError(
      'bad_input',
      `cannot read the identity file ${full}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      {
        fix: 'check the key path in the server settings, and that this user can read it',
      },
    );
  }
}

function hostKeyOutcome(err: unknown): ConnectOutcome | null {
  if (!(err instanceof FlipdeckError)) return null;
  const d = err.detail ?? {};
  const hop = d.hop === 'jump' ? 'jump' : 'server';
  if (err.code === 'host_key_unknown') {
    return { kind: 'host_key_unknown', hop, fingerprint: String(d.fingerprint), algorithm: String(d.algorithm ?? '') };
  }
  if (err.code === 'host_key_changed') {
    return { kind: 'host_key_changed', hop, pinned: String(d.pinned), presented: String(d.presented) };
  }
  return null;
}
