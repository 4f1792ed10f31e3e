// Lab facts for lab tests, and a connection factory to the lab's sshd.
import { readFileSync } from 'node:fs';
import { readLabState, type LabState } from './lab';
import { SshConnection, type SshConnectionOptions } from '../../main/remote/ssh-connection';

export function lab(): LabState {
  return readLabState();
}

export function labConnection(over: Partial<SshConnectionOptions> = {}): SshConnection {
  const l = lab();
  return new SshConnection({
    host: l.ssh.host,
    port: l.ssh.port,
    user: l.ssh.user,
    privateKey: readFileSync(l.ssh.identity),
    hostKey: l.ssh.hostKeySha256,
    reconnect: { maxAttempts: 20, baseDelayMs: 100, maxDelayMs: 500 },
    keepaliveIntervalMs: 1000,
    ...over,
  });
}
