import { describe, expect, it } from 'vitest';
import type { PreflightCheck } from './deploy';
import { preflightGate } from './preflight-gate';

const c = (id: string, status: PreflightCheck['status']): PreflightCheck => ({ id, status, message: id });

describe('preflightGate', () => {
  it('goes when everything passes', () => {
    expect(preflightGate([c('disk', 'pass'), c('edge', 'pass')], { acceptWarnings: false })).toEqual({
      go: true,
      warnings: [],
    });
  });
  it('refuses on a failure, even with warnings accepted, naming the failed checks', () => {
    const v = preflightGate([c('disk', 'fail'), c('inotify', 'warn')], { acceptWarnings: true });
    expect(v).toMatchObject({ go: false, reason: 'failed', failed: [{ id: 'disk' }] });
  });
  it('needs warnings accepted', () => {
    expect(preflightGate([c('inotify', 'warn')], { acceptWarnings: false })).toMatchObject({
      go: false,
      reason: 'warnings_not_accepted',
    });
    expect(preflightGate([c('inotify', 'warn')], { acceptWarnings: true })).toMatchObject({
      go: true,
      warnings: [{ id: 'inotify' }],
    });
  });
  it('leaves a live lock to the deploy (which refuses naming the holder)', () => {
    expect(preflightGate([c('lock', 'fail')], { acceptWarnings: false })).toMatchObject({ go: true });
  });
});
