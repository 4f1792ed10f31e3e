// Deploy vocabulary shared by the engine, the CLI's JSON and the UI: step ids, pools, progress
// events and failure reasons. Pure data.

/** Every step id. `migrating` (backup, rehearsal, the module update) runs only when a live pool exists. */
export const DEPLOY_STEPS = [
  'preflight',
  'build',
  'migrating',
  'green_starting',
  'green_ready',
  'flipping',
  'draining',
  'live',
] as const;
export type StepId = (typeof DEPLOY_STEPS)[number];

export type Pool = 'blue' | 'green';
export const otherPool = (p: Pool): Pool => (p === 'blue' ? 'green' : 'blue');

export interface ProbeResult {
  worker: string;
  attempt: number;
  ok: boolean;
  /** What answered (or did not): "GET /web/login → 503", "connection refused"… */
  detail: string;
  at: string;
}

/** Not every failure is a command: a readiness timeout has probe results instead. */
export type FailureReason =
  | { kind: 'command'; argv: string[]; exitCode: number | null; stderr: string }
  | { kind: 'timeout'; waitedMs: number; lastProbes: ProbeResult[] }
  | { kind: 'refused'; why: string }
  | { kind: 'error'; message: string };

export interface StepRecord {
  id: StepId;
  startedAt: number;
  ms?: number;
  ok?: boolean;
}

export type DeployProgress =
  | { kind: 'step'; deploy: string; step: StepId; state: 'running' | 'done' | 'failed'; ms?: number }
  | { kind: 'log'; deploy: string; step: StepId; line: string }
  | { kind: 'probe'; deploy: string; result: ProbeResult }
  | { kind: 'drain'; deploy: string; sessions: Record<string, number>; deadline: number }
  | { kind: 'failure'; deploy: string; step: StepId; reason: FailureReason }
  | { kind: 'notice'; deploy: string; message: string }
  /** Read from the edge's frontend counters between the flip and the end of the drain. */
  | { kind: 'counters'; deploy: string; requests: number; failed: number }
  /** Odoo's asset bundles: generated during the deploy (null: unknown), and the first page through the edge after the flip. */
  | { kind: 'assets'; deploy: string; regenerations: number | null; firstPageMs: number | null }
  /** The edge took the flip: `commandMs` is the admin command's round trip (the flip latency's floor). */
  | { kind: 'flipped'; deploy: string; to: Pool; commandMs: number }
  /** The steps this run will take, sent first (a first deploy has no migration, a rollback no build). */
  | { kind: 'plan'; deploy: string; steps: StepId[] }
  /** What the migrating step found and did: which modules, the backup, how the update ran and for how long. */
  | {
      kind: 'migration';
      deploy: string;
      changes: { kind: 'code-only' | 'schema-changing' | 'unknown'; update: string[]; install: string[] };
      backup?: string;
      mode?: 'online' | 'cutover';
      updateMs?: number;
      cutoverMs?: number;
    };

export interface PreflightCheck {
  id: string;
  status: 'pass' | 'warn' | 'fail';
  message: string;
  fix?: string;
}

export interface EnvironmentSummary {
  server: string;
  name: string;
  strategy: 'blue-green' | 'rolling' | 'restart';
  replicas: number;
  publicBind: string | null;
  domains: string[];
  source: string | null;
  image: string | null;
}

export interface WorkerStatus {
  name: string;
  pool: Pool;
  ready: boolean;
  image: string;
}

export interface DeployHistoryItem {
  deployId: string;
  kind: 'deploy' | 'rollback';
  by: string;
  at: string;
  ref?: string;
  image: string;
  outcome: 'live' | 'failed' | 'cancelled' | 'running';
  failedStep?: StepId;
}

/** A database backup kept on the server (a schema-changing deploy takes one before updating modules). */
export interface BackupInfo {
  name: string;
  bytes: number;
  at: string;
  /** The deploy that took it. */
  deployId?: string;
}

/** A restored backup: the database as it was is renamed aside (never dropped). */
export interface RestoreOutcome {
  backup: string;
  keptAs: string;
  /** How long the edge answered with the maintenance page. */
  windowMs: number;
  /** The kept pool was removed: its code expected the schema the backup undid. */
  removedKept?: Pool;
}

/** A backup file name on the server (no path). */
export const BACKUP_FILE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.dump$/;

/** What runs on the server, read from the server (never from this laptop's memory). */
export interface EnvironmentStatus {
  live: Pool | null;
  workers: WorkerStatus[];
  /** `migrated`: a deploy since updated the database's modules; `backup`: the dump taken before. */
  kept: { pool: Pool; until: string; migrated?: boolean; backup?: string } | null;
  lock: { holder: string; since: string } | null;
  history?: DeployHistoryItem[];
  /** The kept pool's window is over: Flipdeck removes it the next time it looks. */
  reapDue?: boolean;
}

export interface DeploySummaryResult {
  ok: boolean;
  deployId: string;
  steps: { id: StepId; ms: number; ok: boolean }[];
  failedStep?: StepId;
  reason?: FailureReason;
  cancelled?: boolean;
  note?: string;
}

/** One deploy or rollback started from the app, as a stream: progress, a pause before the flip, the end. */
export type DeployStreamEvent =
  | { kind: 'progress'; progress: DeployProgress }
  | { kind: 'awaiting_flip' }
  | { kind: 'end'; result: DeploySummaryResult }
  | { kind: 'error'; error: { code: string; message: string; fix?: string } };

export function describeFailure(step: StepId, reason: FailureReason): string {
  switch (reason.kind) {
    case 'command':
      return `${step} failed: \`${reason.argv.join(' ')}\` exited ${reason.exitCode ?? 'by signal'}${reason.stderr ? `: ${reason.stderr.trim().split('\n').slice(-5).join('\n')}` : ''}`;
    case 'timeout':
      return `${step} timed out after ${Math.round(reason.waitedMs / 1000)} s; last probes: ${reason.lastProbes.map((p) => `${p.worker}: ${p.detail}`).join('; ') || 'none answered'}`;
    case 'refused':
      return `${step} refused: ${reason.why}`;
    case 'error':
      return `${step} failed: ${reason.message}`;
  }
}

/** What the resource sliders show for one pool. */
export interface PoolResources {
  floorMiB: number | null;
  odooVersion: string | null;
  workers: { name: string; memoryBytes: number; memoryLimit: number; memorySwap: number; nanoCpus: number }[];
}
