// @vitest-environment jsdom
// Prop-driven pieces of the deploy wizard, rendered with Testing Library as a user would read them.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { FailureCard } from './FailureCard';
import { PreflightList } from './PreflightList';

afterEach(cleanup);

describe('FailureCard', () => {
  it('names the step, the command, its exit code and the end of what it printed; retry is offered', () => {
    const onRetry = vi.fn();
    const stderr = Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n');
    render(
      <FailureCard
        step="build"
        reason={{ kind: 'command', argv: ['docker', 'build', '-t', 'x', '.'], exitCode: 2, stderr }}
        onRetry={onRetry}
      />,
    );
    const card = screen.getByRole('alert');
    expect(card.textContent).toContain('Failed at Build');
    expect(card.textContent).toContain('This command exited 2');
    expect(card.textContent).toContain('docker build -t x .');
    const output = screen.getByTestId('failure-output').textContent!;
    expect(output).toContain('line 49');
    expect(output).not.toContain('line 19\n');
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(onRetry).toHaveBeenCalledOnce();
  });

  it('lists the last probe of each worker when readiness timed out, and offers no retry without a handler', () => {
    render(
      <FailureCard
        step="green_ready"
        reason={{
          kind: 'timeout',
          waitedMs: 40_000,
          lastProbes: [
            { worker: 'prod-green-1', attempt: 7, ok: false, detail: 'GET /web/login → 503', at: 0 },
            { worker: 'prod-green-2', attempt: 7, ok: false, detail: 'connection refused', at: 0 },
          ] as never,
        }}
      />,
    );
    const card = screen.getByRole('alert');
    expect(card.textContent).toContain('No answer in 40 s');
    expect(
      within(card)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['prod-green-1: GET /web/login → 503', 'prod-green-2: connection refused']);
    expect(screen.queryByRole('button', { name: 'Retry' })).toBeNull();
  });
});

describe('PreflightList', () => {
  it('shows each check with a status a screen reader names, and how to fix what failed', () => {
    render(
      <PreflightList
        checks={[
          { id: 'docker_version', status: 'pass', message: 'Docker 24.0' },
          { id: 'disk', status: 'warn', message: '3 GiB free', fix: 'prune old images' },
          { id: 'port', status: 'fail', message: '127.0.0.1:8069 is taken', fix: 'stop what listens there' },
        ]}
      />,
    );
    const items = within(screen.getByRole('list', { name: 'Pre-flight checks' })).getAllByRole('listitem');
    expect(items).toHaveLength(3);
    expect(within(items[0]!).getByLabelText('pass')).toBeTruthy();
    expect(items[0]!.textContent).toContain('docker version — Docker 24.0');
    expect(within(items[2]!).getByLabelText('fail')).toBeTruthy();
    expect(items[2]!.textContent).toContain('How to fix: stop what listens there');
    expect(items[1]!.textContent).toContain('How to fix: prune old images');
  });
});
