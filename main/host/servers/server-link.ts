// The engine's ServerLink for a server of the inventory: over SSH (dockerode on a stream-local
// forward, ssh2 forwards) or, for "This computer", the local Docker socket and plain sockets.
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { ServerLink } from '../../engine/core/server-link';
import type { InventoryStore } from '../../store/inventory';
import type { ServerSessions } from './server-sessions';

function connectLocal(opts: net.NetConnectOpts): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const s = net.connect(opts, () => resolve(s));
    s.once('error', reject);
  });
}

export async function linkFor(
  sessions: ServerSessions,
  inventory: InventoryStore,
  serverId: string,
): Promise<ServerLink> {
  const server = inventory.server(serverId);
  const docker = await sessions.docker(serverId);
  if (server.kind === 'local') {
    return {
      docker,
      openUnixSocket: (path) => connectLocal({ path }),
      forwardTcp: (host, port) => connectLocal({ host, port }),
    };
  }
  const ssh = await sessions.ssh(serverId);
  return {
    docker,
    openUnixSocket: (path) => ssh.openUnixSocket(path),
    forwardTcp: (host, port) => ssh.forwardTcp(host, port),
  };
}
