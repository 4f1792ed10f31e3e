import type { StepId } from '../../../../shared/deploy';

const LABELS: Record<StepId, string> = {
  preflight: 'Pre-flight',
  build: 'Build',
  migrating: 'Migrate database',
  green_starting: 'Start new pool',
  green_ready: 'Readiness',
  flipping: 'Flip',
  draining: 'Drain',
  live: 'Live',
};

export const stepLabel = (s: StepId) => LABELS[s];
