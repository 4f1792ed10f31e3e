// `npm run lab:up` / `lab:down`: the whole lab, idempotent. Tests, benchmarks and people trying the
// app by hand read the facts they need from e2e/lab/.state/lab.json.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { clearLeftovers, dockerHost, startDockerd, stopDockerd } from './dockerd';
import { ensureImages, type LabImages } from './images';
import { LAB_DIR, PORTS, RUN_DIR, STATE_FILE, USERS, paths } from './paths';
import { runningPid, startDetached, stopByPidFile, waitFor } from './processes';
import { portOpen, setupSsh, startAgent, startSshd, stopSsh } from './sshd';
import { startRegistry, stopRegistry } from './registry';

export interface LabState {
  ssh: { host: string; port: number; user: string; identity: string; hostKeySha256: string };
  jump: { host: string; port: number; user: string; hostKeySha256: string };
  relay: { host: string; port: number; controlPort: number };
  unprivileged: { user: string; identity: string };
  fleetAddresses: string[];
  agentSocket: string;
  dockerSocket: string;
  dockerHost: string;
  images: LabImages;
  labDir: string;
  timings: { upMs: number };
}

export interface LabUpOptions {
  fleet?: number;
  log?: (s: string) => void;
}

async function startRelay(): Promise<void> {
  if (runningPid(paths.relayPid)) return;
  const tsx = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../node_modules/.bin/tsx');
  startDetached(tsx, [path.join(path.dirname(fileURLToPath(import.meta.url)), 'relay-main.ts')], {
    log: paths.relayLog,
    pidFile: paths.relayPid,
  });
  await waitFor(
    'the relay',
    async () => (await portOpen('127.0.0.1', PORTS.relay)) && (await portOpen('127.0.0.1', PORTS.relayControl)),
    15_000,
  );
}

export async function labUp(opts: LabUpOptions = {}): Promise<LabState> {
  const log = opts.log ?? ((s: string) => console.log(`lab: ${s}`));
  const started = Date.now();
  mkdirSync(RUN_DIR, { recursive: true });
  // OpenSSH listens on at most 16 addresses; the 100-server fleet benchmark forwards more itself.
  const ssh = await setupSsh(opts.fleet ?? 10);
  await startDockerd();
  await clearLeftovers(log);
  await startRegistry();
  const images = await ensureImages(dockerHost, log);
  await startSshd();
  const agentSocket = await startAgent(ssh.identity);
  await startRelay();
  const state: LabState = {
    ssh: {
      host: '127.0.0.1',
      port: PORTS.ssh,
      user: USERS.main,
      identity: ssh.identity,
      hostKeySha256: ssh.hostKeySha256,
    },
    jump: { host: '127.0.0.1', port: PORTS.jump, user: USERS.main, hostKeySha256: ssh.jumpHostKeySha256 },
    relay: { host: '127.0.0.1', port: PORTS.relay, controlPort: PORTS.relayControl },
    unprivileged: { user: USERS.unprivileged, identity: ssh.unprivilegedIdentity },
    fleetAddresses: ssh.fleetAddresses,
    agentSocket,
    dockerSocket: paths.dockerSock,
    dockerHost,
    images,
    labDir: LAB_DIR,
    timings: { upMs: Date.now() - started },
  };
  mkdirSync(path.dirname(STATE_FILE), { recursive: true });
  writeFileSync(STATE_FILE, JSON.stringify(state, null, 2) + '\n');
  log(`up in ${(state.timings.upMs / 1000).toFixed(1)} s; facts in ${STATE_FILE}`);
  return state;
}

export async function labDown(): Promise<void> {
  await stopByPidFile(paths.relayPid, 'relay');
  await stopSsh();
  if (runningPid(paths.dockerPid)) await clearLeftovers(() => undefined).catch(() => undefined);
  await stopDockerd();
  await stopRegistry();
}

export function readLabState(): LabState {
  if (!existsSync(STATE_FILE)) throw new Error(`no lab state at ${STATE_FILE}: run \`npm run lab:up\` first`);
  return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as LabState;
}
