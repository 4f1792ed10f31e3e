// One deploy as the server-side history keeps it (who, when, ref, image, outcome, steps, migration).
import type { Pool } from '../../../shared/deploy';
import type { HistoryEntry } from '../state/server-state';
import type { DeployState } from './machine';

export function historyEntry(o: {
  deployId: string;
  kind: 'deploy' | 'rollback';
  strategy: HistoryEntry['strategy'];
  by: string;
  at: string;
  ref: string | undefined;
  commit: string | undefined;
  image: string;
  previousImage: string | null;
  pool: Pool;
  outcome: HistoryEntry['outcome'];
  state: DeployState | undefined;
  migrated: boolean;
  backup: string | undefined;
  downtimeMs: number | undefined;
}): HistoryEntry {
  const phase = o.state?.phase;
  const ref = [o.ref, o.commit?.slice(0, 12)].filter(Boolean).join('@');
  return {
    deployId: o.deployId,
    kind: o.kind,
    strategy: o.strategy,
    by: o.by,
    at: o.at,
    ...(ref ? { ref } : {}),
    image: o.image,
    ...(o.previousImage ? { previousImage: o.previousImage } : {}),
    pool: o.pool,
    outcome: o.outcome,
    ...(phase?.kind === 'failed' ? { failedStep: phase.step } : {}),
    steps: (o.state?.steps ?? []).filter((s) => s.ms !== undefined).map((s) => ({ id: s.id, ms: s.ms!, ok: !!s.ok })),
    dbMigrated: o.migrated,
    ...(o.backup ? { backup: o.backup } : {}),
    ...(o.downtimeMs !== undefined ? { downtimeMs: o.downtimeMs } : {}),
  };
}
