// What the pre-flight reads a server through. The host builds it (over SSH, or for this computer);
// tests build it over the lab. Nothing here knows about the inventory or secrets.
import type { Environment } from '../../../shared/environment';
import type { Server } from '../../../shared/model';
import type { ServerLink } from '../core/server-link';

export type PreflightServer = Pick<Server, 'kind' | 'host' | 'user' | 'port'>;

export interface PreflightTarget {
  server: PreflightServer;
  environment: Environment;
  link: ServerLink;
  /** Free bytes on the filesystem holding `path` on the server; null when it cannot tell. */
  freeBytes(path: string): Promise<number | null>;
  /** A small host file (/proc, /sys) of the server; null when it cannot be read. */
  readHostFile(path: string): Promise<string | null>;
}
