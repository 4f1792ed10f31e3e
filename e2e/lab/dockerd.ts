// The lab's own Docker Engine: its own socket, data root, exec root and pid file, so it never
// touches the machine's default daemon. Members of the lab's docker group may use its socket.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { RUN_DIR, paths, USERS } from './paths';
import { runningPid, startDetached, stopByPidFile, waitFor } from './processes';
import { run } from './sh';

export const dockerHost = `unix://${paths.dockerSock}`;

/** The discard port on loopback, closed: a registry request is refused without leaving the machine. */
export const NO_REGISTRY_PROXY = 'http://127.0.0.1:9';

export async function startDockerd(): Promise<void> {
  mkdirSync(RUN_DIR, { recursive: true });
  mkdirSync(paths.dockerData, { recursive: true });
  if (runningPid(paths.dockerPid)) return;
  startDetached(
    'dockerd',
    [
      '--host',
      dockerHost,
      '--data-root',
      paths.dockerData,
      '--exec-root',
      paths.dockerExec,
      '--pidfile',
      paths.dockerPid,
      '--group',
      USERS.dockerGroup,
      '--log-level',
      'warn',
    ],
    {
      log: paths.dockerLog,
      // No registry exists here, and tests send nothing off this machine: any pull the engine attempts
      // goes to a closed loopback port and fails at once, so "no registry answers" is what deploys see.
      env: { ...process.env, HTTP_PROXY: NO_REGISTRY_PROXY, HTTPS_PROXY: NO_REGISTRY_PROXY, NO_PROXY: '' },
    },
  );
  await waitFor(
    'the lab dockerd',
    async () =>
      (await run('docker', ['-H', dockerHost, 'info', '--format', '{{.ServerVersion}}'], { allowFail: true })).code ===
      0,
    60_000,
    () => (existsSync(paths.dockerLog) ? readFileSync(paths.dockerLog, 'utf8').split('\n').slice(-10).join('\n') : ''),
  );
}

export async function stopDockerd(): Promise<void> {
  await stopByPidFile(paths.dockerPid, 'dockerd', 30_000);
}

/** Clears what an earlier (failed) run left on the lab daemon: it is the lab's own daemon, so all of it. */
export async function clearLeftovers(log: (s: string) => void): Promise<void> {
  const ids = (await run('docker', ['-H', dockerHost, 'ps', '-aq'])).stdout.split('\n').filter(Boolean);
  if (ids.length) {
    log(`removing ${ids.length} leftover container(s)`);
    await run('docker', ['-H', dockerHost, 'rm', '-f', '-v', ...ids]);
  }
  const nets = (await run('docker', ['-H', dockerHost, 'network', 'ls', '--filter', 'type=custom', '-q'])).stdout
    .split('\n')
    .filter(Boolean);
  if (nets.length) await run('docker', ['-H', dockerHost, 'network', 'rm', ...nets], { allowFail: true });
  const vols = (await run('docker', ['-H', dockerHost, 'volume', 'ls', '-q'])).stdout.split('\n').filter(Boolean);
  if (vols.length) await run('docker', ['-H', dockerHost, 'volume', 'rm', '-f', ...vols], { allowFail: true });
}
