// What the server remembers about an environment, so every laptop (and a CLI after a crash) reads
// the same truth: the kept pool and its window, the deploy history, and the heads of the local
// audit chains of whoever deployed (a rewritten local log then no longer matches).
// Stored as one JSON file in the edge's state volume; written only while holding the deploy lock.
import { z } from 'zod';
import { FlipdeckError } from '../../../shared/errors';
import { DEPLOY_STEPS } from '../../../shared/deploy';

const pool = z.enum(['blue', 'green']);

const historyEntry = z.object({
  deployId: z.string(),
  kind: z.enum(['deploy', 'rollback']),
  strategy: z.string().default('blue-green'),
  by: z.string(),
  at: z.string(),
  ref: z.string().optional(),
  image: z.string(),
  previousImage: z.string().optional(),
  pool: pool.optional(),
  outcome: z.enum(['live', 'failed', 'cancelled', 'running']),
  failedStep: z.enum(DEPLOY_STEPS).optional(),
  error: z.string().optional(),
  steps: z.array(z.object({ id: z.enum(DEPLOY_STEPS), ms: z.number(), ok: z.boolean() })).default([]),
  /** Whether this deploy changed the database schema (module updates); rollback must say so. */
  dbMigrated: z.boolean().default(false),
  /** The pg_dump taken before a module update (on the server, in the data volume). */
  backup: z.string().optional(),
  /** The restart strategy's measured outage (old pool stopped → new pool in rotation). */
  downtimeMs: z.number().optional(),
});
export type HistoryEntry = z.infer<typeof historyEntry>;

export const serverStateSchema = z.object({
  version: z.literal(1),
  env: z.string(),
  live: pool.nullable(),
  liveImage: z.string().nullable().default(null),
  kept: z.object({ pool, image: z.string(), until: z.string(), deployId: z.string() }).nullable().default(null),
  /** Set by a schema-changing deploy after the kept pool's image; cleared by a new kept pool. */
  migratedSinceKept: z.boolean().default(false),
  history: z.array(historyEntry).default([]),
  auditHeads: z.record(z.string(), z.object({ seq: z.number(), mac: z.string(), at: z.string() })).default({}),
});
export type ServerState = z.infer<typeof serverStateSchema>;

export const HISTORY_LIMIT = 100;
export const STATE_FILE = 'flipdeck-state.json';

export function emptyState(env: string): ServerState {
  return {
    version: 1,
    env,
    live: null,
    liveImage: null,
    kept: null,
    migratedSinceKept: false,
    history: [],
    auditHeads: {},
  };
}

export function parseServerState(text: string | null, env: string): ServerState {
  if (text === null) return emptyState(env);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new FlipdeckError('store_corrupt', `the deploy state of ${env} on the server is not valid JSON`, {
      fix: 'inspect the edge volume of the environment; Flipdeck will not overwrite it blindly',
    });
  }
  const r = serverStateSchema.safeParse(json);
  if (!r.success)
    throw new FlipdeckError(
      'store_corrupt',
      `the deploy state of ${env} on the server is not in a format this Flipdeck knows: ${r.error.issues[0]?.message ?? ''}`,
      { fix: 'update Flipdeck, or inspect the state file in the edge volume' },
    );
  return r.data;
}

/** Adds or replaces (by deploy id) a history entry, newest first, bounded. */
export function recordHistory(state: ServerState, entry: HistoryEntry): ServerState {
  const rest = state.history.filter((h) => h.deployId !== entry.deployId);
  return { ...state, history: [entry, ...rest].slice(0, HISTORY_LIMIT) };
}

/** The previous image that went live before the current one: what a rollback after the window redeploys. */
export function previousLiveImage(state: ServerState): string | null {
  const lives = state.history.filter((h) => h.outcome === 'live');
  const current = state.liveImage;
  return lives.find((h) => h.image !== current)?.image ?? null;
}

export function keptPoolUsable(state: ServerState, now: number): boolean {
  return state.kept !== null && Date.parse(state.kept.until) > now;
}

/** Images to keep on the server: the live one, the kept one, and the last `n` that went live. */
export function imagesToKeep(state: ServerState, n = 3): Set<string> {
  const keep = new Set<string>();
  if (state.liveImage) keep.add(state.liveImage);
  if (state.kept) keep.add(state.kept.image);
  for (const h of state.history) {
    if (keep.size >= n) break;
    if (h.outcome === 'live') keep.add(h.image);
  }
  return keep;
}

/** The backup taken by the deploy that made the kept pool "kept" (the one to restore after a migration). */
export function keptBackup(s: ServerState): string | undefined {
  return s.history.find((h) => h.deployId === s.kept?.deployId)?.backup;
}
