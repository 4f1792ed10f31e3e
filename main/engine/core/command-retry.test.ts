import { describe, expect, it } from 'vitest';
import { classify, runWithRetry, DEFAULT_RETRY, type CommandOutcome, type AttemptRecord } from './command-retry';

const outcome = (o: Partial<CommandOutcome>): CommandOutcome => ({
  argv: ['docker', 'build'],
  exitCode: 0,
  stdout: '',
  stderr: '',
  durationMs: 5,
  ...o,
});

describe('classify', () => {
  it.each([
    [{ exitCode: 0 }, 'ok'],
    [{ exitCode: 1, stderr: 'ModuleNotFoundError: No module named x' }, 'permanent'],
    [{ exitCode: 1, stderr: 'ERROR: module "sale_custom" not found' }, 'permanent'],
    [{ exitCode: 128, stderr: 'fatal: the remote end hung up unexpectedly' }, 'transient'],
    [
      { exitCode: 128, stderr: "fatal: couldn't find remote ref nope\nfatal: the remote end hung up unexpectedly" },
      'permanent',
    ],
    [{ exitCode: 128, stderr: 'error: RPC failed; HTTP 503 Service Unavailable' }, 'transient'],
    [{ exitCode: null, signal: 'SIGPIPE' }, 'transient'],
    [{ exitCode: null, errorCode: 'ECONNRESET' }, 'transient'],
    [{ exitCode: 255, stderr: 'ssh: connect to host x port 22: Connection refused' }, 'transient'],
    [{ exitCode: 0, timedOut: true }, 'transient'],
  ] as [Partial<CommandOutcome>, string][])('%j → %s', (o, verdict) => expect(classify(outcome(o))).toBe(verdict));
});

describe('runWithRetry', () => {
  const policy = { ...DEFAULT_RETRY, baseTimeoutMs: 1000, baseBackoffMs: 100 };

  it('retries transient failures with growing timeouts and backoff, recording each attempt', async () => {
    const sleeps: number[] = [];
    const seen: AttemptRecord[] = [];
    const timeouts: number[] = [];
    const result = await runWithRetry(
      async (attempt, timeoutMs) => {
        timeouts.push(timeoutMs);
        return attempt < 3 ? outcome({ exitCode: null, errorCode: 'ECONNRESET' }) : outcome({});
      },
      policy,
      { sleep: async (ms) => void sleeps.push(ms), onAttempt: (r) => void seen.push(r) },
    );
    expect(result.verdict).toBe('ok');
    expect(result.attempts).toBe(3);
    expect(timeouts).toEqual([1000, 1500, 2250]);
    expect(sleeps).toEqual([100, 200]);
    expect(seen.map((r) => r.verdict)).toEqual(['transient', 'transient', 'ok']);
  });

  it('never retries a permanent failure', async () => {
    let calls = 0;
    const result = await runWithRetry(async () => (calls++, outcome({ exitCode: 2, stderr: 'SyntaxError' })), policy, {
      sleep: async () => {},
      onAttempt: () => {},
    });
    expect(calls).toBe(1);
    expect(result.verdict).toBe('permanent');
  });

  it('gives up after 1 + 3 attempts', async () => {
    let calls = 0;
    const result = await runWithRetry(async () => (calls++, outcome({ timedOut: true })), policy, {
      sleep: async () => {},
      onAttempt: () => {},
    });
    expect(calls).toBe(4);
    expect(result.verdict).toBe('transient');
  });
});
