// Docker object names for an environment. Names are the server-side truth (with labels): any
// laptop — or a CLI after a crash — finds an environment's pieces by these names alone.
import type { Pool } from '../../../shared/deploy';

export const LABEL = {
  managed: 'io.flipdeck.managed',
  environment: 'io.flipdeck.environment',
  role: 'io.flipdeck.role',
  pool: 'io.flipdeck.pool',
  worker: 'io.flipdeck.worker',
  deploy: 'io.flipdeck.deploy',
  image: 'io.flipdeck.image',
  by: 'io.flipdeck.by',
  /** A web worker's Odoo `workers` (0: threaded; N: prefork): which port serves its bus. */
  workers: 'io.flipdeck.workers',
} as const;

export type Role = 'web' | 'cron' | 'edge' | 'db' | 'lock' | 'oneoff';

export interface EnvNames {
  network: string;
  dataVolume: string;
  edge: string;
  edgeStateVolume: string;
  db: string;
  dbVolume: string;
  lock: string;
  /** Where the edge's admin socket lives on the server (bind-mounted into the edge). */
  edgeRunDir: string;
  worker(pool: Pool, index: number): string;
  cron(pool: Pool): string;
  /** The edge's name for a worker, used in backends and runtime commands. */
  edgeServer(pool: Pool, index: number): string;
}

export function envNames(env: string): EnvNames {
  const base = `flipdeck-${env}`;
  return {
    network: base,
    dataVolume: `${base}-data`,
    edge: `${base}-edge`,
    edgeStateVolume: `${base}-edge-state`,
    db: `${base}-db`,
    dbVolume: `${base}-db-data`,
    lock: `${base}-lock`,
    edgeRunDir: `/run/flipdeck/${env}`,
    worker: (pool, index) => `${base}-${pool}-${index}`,
    cron: (pool) => `${base}-cron-${pool}`,
    edgeServer: (pool, index) => `${pool}-${index}`,
  };
}

export const ADMIN_SOCKET = 'admin.sock';
