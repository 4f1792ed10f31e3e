// What the wizard shows about one running deploy, folded from its stream events. Pure: the store
// feeds events in, components read the result; tested without a browser.
import type {
  DeployProgress,
  DeployStreamEvent,
  DeploySummaryResult,
  FailureReason,
  ProbeResult,
  StepId,
} from '../../../../shared/deploy';
import { DEPLOY_STEPS } from '../../../../shared/deploy';

export type StepState = 'pending' | 'running' | 'done' | 'failed';

export interface DeployView {
  stream: string;
  server: string;
  env: string;
  kind: 'deploy' | 'rollback';
  startedAt: number;
  steps: Record<StepId, { state: StepState; ms?: number }>;
  /** Build output and step logs, bounded so a chatty build never slows the page. */
  log: { step: StepId; line: string }[];
  probes: Record<string, { attempts: number; last: ProbeResult }>;
  drain: { sessions: Record<string, number>; deadline: number } | null;
  notices: string[];
  failure: { step: StepId; reason: FailureReason } | null;
  counters: { requests: number; failed: number } | null;
  assets: { regenerations: number | null; firstPageMs: number | null } | null;
  /** The edge's flip command round trip. */
  flipMs: number | null;
  /** The steps this run takes (from the engine's plan event). */
  plan: StepId[] | null;
  migration: Omit<Extract<DeployProgress, { kind: 'migration' }>, 'kind' | 'deploy'> | null;
  awaitingFlip: boolean;
  result: DeploySummaryResult | null;
  error: { code: string; message: string; fix?: string } | null;
}

export const LOG_LIMIT = 2000;

export function newDeployView(
  stream: string,
  server: string,
  env: string,
  kind: 'deploy' | 'rollback',
  now: number,
): DeployView {
  const steps = Object.fromEntries(
    DEPLOY_STEPS.map((s) => [s, { state: 'pending' as StepState }]),
  ) as DeployView['steps'];
  return {
    stream,
    server,
    env,
    kind,
    startedAt: now,
    steps,
    log: [],
    probes: {},
    drain: null,
    notices: [],
    failure: null,
    counters: null,
    assets: null,
    flipMs: null,
    plan: null,
    migration: null,
    awaitingFlip: false,
    result: null,
    error: null,
  };
}

function progress(v: DeployView, p: DeployProgress): DeployView {
  switch (p.kind) {
    case 'step':
      return {
        ...v,
        awaitingFlip: false,
        steps: { ...v.steps, [p.step]: { state: p.state, ...(p.ms !== undefined ? { ms: p.ms } : {}) } },
      };
    case 'log': {
      const log = [...v.log, { step: p.step, line: p.line }];
      return { ...v, log: log.length > LOG_LIMIT ? log.slice(-LOG_LIMIT) : log };
    }
    case 'probe': {
      const prev = v.probes[p.result.worker];
      return {
        ...v,
        probes: { ...v.probes, [p.result.worker]: { attempts: (prev?.attempts ?? 0) + 1, last: p.result } },
      };
    }
    case 'drain':
      return { ...v, drain: { sessions: p.sessions, deadline: p.deadline } };
    case 'failure':
      return { ...v, failure: { step: p.step, reason: p.reason } };
    case 'notice':
      return { ...v, notices: [...v.notices, p.message] };
    case 'counters':
      return { ...v, counters: { requests: p.requests, failed: p.failed } };
    case 'assets':
      return { ...v, assets: { regenerations: p.regenerations, firstPageMs: p.firstPageMs } };
    case 'flipped':
      return { ...v, flipMs: p.commandMs };
    case 'plan':
      return { ...v, plan: p.steps };
    case 'migration':
      return {
        ...v,
        migration: {
          changes: p.changes,
          ...(p.backup ? { backup: p.backup } : {}),
          ...(p.mode ? { mode: p.mode } : {}),
          ...(p.updateMs !== undefined ? { updateMs: p.updateMs } : {}),
          ...(p.cutoverMs !== undefined ? { cutoverMs: p.cutoverMs } : {}),
        },
      };
  }
}

export function applyEvent(v: DeployView, e: DeployStreamEvent): DeployView {
  switch (e.kind) {
    case 'progress':
      return progress(v, e.progress);
    case 'awaiting_flip':
      return { ...v, awaitingFlip: true };
    case 'end':
      return { ...v, awaitingFlip: false, result: e.result };
    case 'error':
      return { ...v, awaitingFlip: false, error: e.error };
  }
}

export type Phase = 'running' | 'awaiting_flip' | 'done' | 'failed' | 'cancelled';

export function phaseOf(v: DeployView): Phase {
  if (v.error) return 'failed';
  if (v.result) return v.result.ok ? 'done' : v.result.cancelled ? 'cancelled' : 'failed';
  return v.awaitingFlip ? 'awaiting_flip' : 'running';
}

/** Seconds left before the drain cuts what remains; never negative. */
export function drainSecondsLeft(v: DeployView, now: number): number | null {
  return v.drain ? Math.max(0, Math.round((v.drain.deadline - now) / 1000)) : null;
}
