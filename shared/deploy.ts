// Deploy vocabulary shared by the engine, the CLI's JSON and the UI: step ids, pools, progress
// events and failure reasons. Pure data.

export const DEPLOY_STEPS = ['preflight', 'build', 'green_starting', 'green_ready', 'flipping', 'draining', 'live'] as const;
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
  | { kind: 'notice'; deploy: string; message: string };

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
