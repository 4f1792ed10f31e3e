// Lab helpers for engine tests: a ServerLink over SSH to the lab, a source directory for a given
// app version, and a bounded load generator aimed only at the edge's 127.0.0.1 port.
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LabState } from './lab';
import { ADDONS } from './standin-kit';
import { dockerOverSsh } from '../../main/remote/docker-client';
import type { SshConnection } from '../../main/remote/ssh-connection';
import type { ServerLink } from '../../main/engine/core/server-link';

export function sshLink(conn: SshConnection, lab: LabState): ServerLink {
  return {
    docker: dockerOverSsh(conn, lab.dockerSocket, 'lab'),
    openUnixSocket: (p) => conn.openUnixSocket(p),
    forwardTcp: (h, p) => conn.forwardTcp(h, p),
  };
}

/** An Odoo project as a consultant has it: a Dockerfile on the stock image, plus addons. */
export function sourceDir(
  lab: LabState,
  version: string,
  extra: { bootSeconds?: number; dockerfileExtra?: string } = {},
): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `flipdeck-src-${version}-`));
  // File times kept, as in a consultant's own project directory: unchanged static files keep the
  // same asset bundle version in Odoo (its checksum counts each file's mtime).
  cpSync(ADDONS.good, path.join(dir, 'addons'), { recursive: true, preserveTimestamps: true });
  writeFileSync(
    path.join(dir, 'Dockerfile'),
    [
      `FROM ${lab.images.odoo}`,
      'COPY addons /mnt/extra-addons',
      `ENV STANDIN_BOOT_SECONDS=${extra.bootSeconds ?? 1} APP_VERSION=${version}`,
      extra.dockerfileExtra ?? '',
      '',
    ].join('\n'),
  );
  return dir;
}

export interface Hit {
  at: number;
  status: number;
  worker: string;
  ms: number;
  error?: string;
}

/** Steady load from `concurrency` loops until stopped, bounded in count and time. */
/** `pauseMs`: a gap between one loop's requests (a light probe rather than a load). */
export function steadyLoad(
  url: string,
  concurrency: number,
  maxMs: number,
  maxRequests = 50_000,
  pauseOnErrorMs = 0,
  pauseMs = 0,
) {
  const hits: Hit[] = [];
  let stop = false;
  const deadline = Date.now() + maxMs;
  const loop = async () => {
    while (!stop && Date.now() < deadline && hits.length < maxRequests) {
      const t0 = Date.now();
      try {
        const r = await fetch(url, { signal: AbortSignal.timeout(30_000) });
        await r.arrayBuffer();
        hits.push({ at: t0, status: r.status, worker: r.headers.get('x-flipdeck-worker') ?? '', ms: Date.now() - t0 });
        // A client that got an error waits a little before trying again, as browsers and scripts do.
        if (r.status !== 200 && pauseOnErrorMs > 0) await new Promise((res) => setTimeout(res, pauseOnErrorMs));
        else if (pauseMs > 0) await new Promise((res) => setTimeout(res, pauseMs));
      } catch (err) {
        hits.push({ at: t0, status: 0, worker: '', ms: Date.now() - t0, error: (err as Error).message });
      }
    }
  };
  const done = Promise.all(Array.from({ length: concurrency }, loop));
  return {
    hits,
    async stop() {
      stop = true;
      await done;
      return hits;
    },
  };
}

export async function longRequest(url: string): Promise<Hit> {
  const t0 = Date.now();
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(120_000) });
    await r.arrayBuffer();
    return { at: t0, status: r.status, worker: r.headers.get('x-flipdeck-worker') ?? '', ms: Date.now() - t0 };
  } catch (err) {
    return { at: t0, status: 0, worker: '', ms: Date.now() - t0, error: (err as Error).message };
  }
}
