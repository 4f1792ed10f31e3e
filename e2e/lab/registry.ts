// The lab's container registry on 127.0.0.1: Debian's docker-registry binary (unpacked by
// install-packages.sh into the lab cache, never installed as a service), no auth, storage in the lab
// cache. The lab images are pushed to it, so deploys pull their base image fresh from a registry
// that answers, as on a real server. The lab daemon's proxy (which refuses) never applies to
// loopback, and 127.0.0.0/8 registries are plain HTTP by default.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LAB_DIR, PORTS, RUN_DIR } from './paths';
import { runningPid, startDetached, stopByPidFile, waitFor } from './processes';
import { run } from './sh';

export const REGISTRY_BIN = path.join(LAB_DIR, 'registry', 'usr', 'bin', 'docker-registry');
export const REGISTRY_HOST = `127.0.0.1:${PORTS.registry}`;
const PID = path.join(RUN_DIR, 'registry.pid');

async function answers(): Promise<boolean> {
  return (
    (await fetch(`http://${REGISTRY_HOST}/v2/`, { signal: AbortSignal.timeout(1000) }).catch(() => null))?.status ===
    200
  );
}

export async function startRegistry(): Promise<void> {
  if (runningPid(PID) && (await answers())) return;
  if (!existsSync(REGISTRY_BIN))
    throw new Error(`no registry binary at ${REGISTRY_BIN}: run \`npm run lab:install\` (as root) first`);
  const data = path.join(LAB_DIR, 'registry-data');
  mkdirSync(data, { recursive: true });
  const config = path.join(RUN_DIR, 'registry.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log: {level: warn}',
      'storage:',
      `  filesystem: {rootdirectory: ${data}}`,
      '  delete: {enabled: true}',
      `http: {addr: "${REGISTRY_HOST}"}`,
      '',
    ].join('\n'),
  );
  startDetached(REGISTRY_BIN, ['serve', config], { log: path.join(RUN_DIR, 'registry.log'), pidFile: PID });
  await waitFor('the lab registry', answers, 15_000);
}

export async function stopRegistry(): Promise<void> {
  await stopByPidFile(PID, 'registry');
}

/** Tags a lab image under the registry and pushes it (layers already there make this quick). */
export async function publish(dockerHost: string, tag: string): Promise<string> {
  const name = `${REGISTRY_HOST}/${tag}`;
  await run('docker', ['-H', dockerHost, 'tag', tag, name]);
  await run('docker', ['-H', dockerHost, 'push', '-q', name]);
  return name;
}
