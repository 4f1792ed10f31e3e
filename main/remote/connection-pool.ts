// One SSH connection per server, reused for everything; state changes re-emitted with the server id.
import { EventEmitter } from 'node:events';
import type { ConnectionState } from '../../shared/model';
import type { SshConnection } from './ssh-connection';

export class ConnectionPool extends EventEmitter {
  private readonly connections = new Map<string, SshConnection>();

  get(serverId: string, factory: () => SshConnection): SshConnection {
    let conn = this.connections.get(serverId);
    if (!conn || conn.state.kind === 'closed' || conn.state.kind === 'lost') {
      conn = factory();
      conn.on('state', (s: ConnectionState) => this.emit('state', serverId, s));
      this.connections.set(serverId, conn);
    }
    return conn;
  }

  peek(serverId: string): SshConnection | undefined {
    return this.connections.get(serverId);
  }

  async close(serverId: string): Promise<void> {
    const conn = this.connections.get(serverId);
    this.connections.delete(serverId);
    await conn?.close();
  }

  async closeAll(): Promise<void> {
    const all = [...this.connections.keys()];
    await Promise.all(all.map((id) => this.close(id)));
  }
}
