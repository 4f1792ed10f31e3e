// The end of the keep window: the kept pool is removed and old images beyond the last 3 are pruned.
// There is no agent on the server, so this runs when Flipdeck next touches the environment: at the
// end of every deploy (under its lock), from `flipdeck gc`, and from the app while it is open. (The
// next deploy also replaces an expired kept pool: it is the colour that deploy builds.)
import type Docker from 'dockerode';
import type { Pool } from '../../../shared/deploy';
import { imagesToKeep, type ServerState } from '../state/server-state';
import { StateStore } from '../state/state-store';
import { EdgeOps } from './edge-ops';
import { PoolOps } from './pool-ops';
import { audited, type AuditSink, type ServerLink } from '../core/server-link';
import { isDockerStatus } from '../docker/archive';

export interface ReapResult {
  removedPool: Pool | null;
  prunedImages: string[];
}

/** Images Flipdeck built for this environment (never images the user named). */
export function builtImageRepo(env: string): string {
  return `flipdeck/${env}`;
}

/** Call only while holding the environment's deploy lock. */
export async function reapExpired(
  link: ServerLink,
  env: string,
  replicas: number,
  audit: AuditSink,
  now = Date.now(),
): Promise<ReapResult> {
  const store = new StateStore(link.docker, env);
  const edge = new EdgeOps(link, env, replicas, audit);
  if (!(await edge.inspect())) return { removedPool: null, prunedImages: [] };
  let state = await store.read();
  let removedPool: Pool | null = null;
  const kept = state.kept;
  if (kept && Date.parse(kept.until) <= now && kept.pool !== state.live) {
    await edge.admin.setPool(kept.pool, 'maint').catch(() => undefined);
    await new PoolOps(link.docker, env, audit).removePool(kept.pool, { keepCron: false });
    state = await store.update((s) => ({ ...s, kept: null }));
    removedPool = kept.pool;
  }
  return { removedPool, prunedImages: await pruneImages(link.docker, env, state, audit) };
}

async function pruneImages(docker: Docker, env: string, state: ServerState, audit: AuditSink): Promise<string[]> {
  const keep = imagesToKeep(state, 3);
  const inUse = new Set((await docker.listContainers({ all: true })).map((c) => c.Image));
  const repo = builtImageRepo(env);
  const candidates = (await docker.listImages({ filters: { reference: [`${repo}:*`] } }))
    .flatMap((i) => (i.RepoTags ?? []).map((tag) => ({ tag, created: i.Created })))
    .filter((i) => i.tag.startsWith(`${repo}:`) && !keep.has(i.tag) && !inUse.has(i.tag))
    .sort((a, b) => b.created - a.created);
  const pruned: string[] = [];
  for (const { tag } of candidates) {
    await audited(audit, 'docker.image.remove', ['docker', 'rmi', tag], () =>
      docker
        .getImage(tag)
        .remove()
        .catch((err: unknown) => {
          if (!isDockerStatus(err, 404)) throw err;
        }),
    );
    pruned.push(tag);
  }
  return pruned;
}
