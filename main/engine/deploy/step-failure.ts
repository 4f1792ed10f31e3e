import type { FailureReason } from '../../../shared/deploy';

/** Thrown by a step to fail it with a reason the failure card can show. */
export class StepFailure extends Error {
  constructor(readonly reason: FailureReason) {
    super(reason.kind === 'error' ? reason.message : reason.kind === 'refused' ? reason.why : reason.kind);
    this.name = 'StepFailure';
  }
}

export function reasonOf(err: unknown): FailureReason {
  if (err instanceof StepFailure) return err.reason;
  const e = err as { code?: string; message?: string };
  if (e?.code === 'refused') return { kind: 'refused', why: String(e.message) };
  return { kind: 'error', message: e?.message ?? String(err) };
}
