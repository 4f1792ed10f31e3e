// Reads and writes the environment's server-side state in the edge's volume (see server-state.ts).
import type Docker from 'dockerode';
import { isDockerStatus, readContainerFile, writeContainerFile } from '../docker/archive';
import { retryTransient } from '../core/server-link';
import { EDGE_STATE_DIR } from '../proxy/haproxy-config';
import { envNames } from '../core/names';
import { STATE_FILE, emptyState, parseServerState, type ServerState } from './server-state';

export class StateStore {
  constructor(
    private readonly docker: Docker,
    private readonly env: string,
  ) {}

  async read(): Promise<ServerState> {
    const edge = envNames(this.env).edge;
    // Only a 404 means "no edge yet": a dropped link must never look like a first deploy.
    const exists = await retryTransient(() => this.docker.getContainer(edge).inspect()).then(
      () => true,
      (err: unknown) => {
        if (isDockerStatus(err, 404)) return false;
        throw err;
      },
    );
    if (!exists) return emptyState(this.env);
    return parseServerState(
      await retryTransient(() => readContainerFile(this.docker, edge, `${EDGE_STATE_DIR}/${STATE_FILE}`)),
      this.env,
    );
  }

  /** Only while holding the deploy lock: read-modify-write is not atomic otherwise. */
  async update(change: (s: ServerState) => ServerState): Promise<ServerState> {
    const next = change(await this.read());
    await retryTransient(() =>
      writeContainerFile(
        this.docker,
        envNames(this.env).edge,
        EDGE_STATE_DIR,
        STATE_FILE,
        JSON.stringify(next, null, 1),
      ),
    );
    return next;
  }
}
