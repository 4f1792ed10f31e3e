// Where the lab keeps things. The cache (rootfs, the lab daemon's data root, keys) lives in a fixed
// directory outside the clone so images survive between runs; lab.json is per clone.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const LAB_SRC = path.dirname(fileURLToPath(import.meta.url));
export const LAB_DIR = process.env.FLIPDECK_LAB_DIR ?? '/var/cache/flipdeck-lab';
export const RUN_DIR = path.join(LAB_DIR, 'run');
export const STATE_FILE = path.join(LAB_SRC, '.state', 'lab.json');

export const paths = {
  rootfsDir: path.join(LAB_DIR, 'rootfs'),
  dockerData: path.join(LAB_DIR, 'docker-data'),
  dockerExec: path.join(RUN_DIR, 'docker-exec'),
  dockerSock: path.join(RUN_DIR, 'docker.sock'),
  dockerPid: path.join(RUN_DIR, 'docker.pid'),
  dockerLog: path.join(RUN_DIR, 'dockerd.log'),
  sshDir: path.join(LAB_DIR, 'ssh'),
  authorizedKeys: path.join(LAB_DIR, 'ssh', 'authorized_keys'),
  sshdPid: path.join(RUN_DIR, 'sshd.pid'),
  jumpPid: path.join(RUN_DIR, 'sshd-jump.pid'),
  relayPid: path.join(RUN_DIR, 'relay.pid'),
  relayLog: path.join(RUN_DIR, 'relay.log'),
  agentSock: path.join(RUN_DIR, 'agent.sock'),
  agentPid: path.join(RUN_DIR, 'agent.pid'),
};

export const PORTS = { ssh: 2222, jump: 2223, relay: 2224, relayControl: 2225, registry: 2226 };
export const USERS = { main: 'flipdeck-lab', unprivileged: 'flipdeck-nodocker', dockerGroup: 'flipdeck-docker' };
