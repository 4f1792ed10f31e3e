// A git source: fetch exactly one ref (shallow) into a scratch directory on this computer, then the
// build step sends it to the server like a local directory. Git runs as an argument array with the
// URL and ref after `--` checks, no prompts, no `ext::` transport and a minimal environment; a flaky
// git host is retried.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FlipdeckError } from '../../../shared/errors';
import { gitRef, isGitUrl } from '../../../shared/environment';
import type { AuditSink } from '../core/server-link';
import { runChild } from '../core/child-process';
import { DEFAULT_RETRY, runWithRetry, type CommandOutcome, type RetryPolicy } from '../core/command-retry';
import { sleep } from '../../../shared/retry';

/** URLs git may fetch: ssh://, https://, git://, file:// and scp-like user@host:path. */
export function checkGitInput(url: string, ref: string): void {
  if (url.startsWith('-') || !isGitUrl(url))
    throw new FlipdeckError('bad_input', `source ${JSON.stringify(url.slice(0, 120))} is not a git URL`, {
      fix: 'use ssh://, https://, git://, file:// or user@host:path',
    });
  if (!gitRef.safeParse(ref).success)
    throw new FlipdeckError('bad_input', `ref ${JSON.stringify(ref.slice(0, 80))} is not a branch, tag or commit`);
}

/** Git's own settings for every run: no prompt can hang a deploy, and ssh never asks either. */
const GIT_SETTINGS = { GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '/bin/false' };

function git(args: string[], timeoutMs: number, parent: NodeJS.ProcessEnv): Promise<CommandOutcome> {
  const set: Record<string, string> = { ...GIT_SETTINGS };
  // The operator's own GIT_SSH_COMMAND passes the allow-list; without one, ssh runs in batch mode.
  if (!parent.GIT_SSH_COMMAND && !parent.GIT_SSH) set.GIT_SSH_COMMAND = 'ssh -o BatchMode=yes';
  // git over ssh:// may need the agent; SSH_AUTH_SOCK is the one extra variable that allows.
  return runChild(['git', '-c', 'protocol.ext.allow=never', ...args], { timeoutMs, parent, sshAgent: true, set });
}

export interface FetchedSource {
  dir: string;
  commit: string;
  cleanup(): Promise<void>;
}

/**
 * Fetches `ref` of `url` (depth 1) and checks it out. Transient failures (a host that hung up, a 5xx)
 * are retried with backoff; each attempt is audited. Git gets a minimal environment (shared/child-env.ts):
 * `GIT_SSH_COMMAND` from ours is honoured, Flipdeck's secrets never reach it.
 */
export async function fetchGitSource(o: {
  url: string;
  ref: string;
  audit: AuditSink;
  onLine?(l: string): void;
  policy?: RetryPolicy;
  env?: NodeJS.ProcessEnv;
  sleep?(ms: number): Promise<void>;
}): Promise<FetchedSource> {
  checkGitInput(o.url, o.ref);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'flipdeck-git-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  const env = o.env ?? process.env;
  const policy = o.policy ?? { ...DEFAULT_RETRY, baseTimeoutMs: 300_000 };
  const step = async (action: string, args: string[], retry: boolean): Promise<CommandOutcome> => {
    const r = await runWithRetry(
      (_n, timeoutMs) => git(args, timeoutMs, env),
      retry ? policy : { ...policy, maxAttempts: 1 },
      {
        sleep: o.sleep ?? sleep,
        onAttempt: async (a) => {
          await o.audit({
            action,
            argv: a.outcome.argv,
            ok: a.verdict === 'ok',
            exitCode: a.outcome.exitCode,
            durationMs: a.outcome.durationMs,
            output: `${a.outcome.stdout}${a.outcome.stderr}`.slice(-16_000),
            detail: { attempt: a.attempt, verdict: a.verdict },
          });
          for (const line of a.outcome.stderr.split('\n')) if (line.trim()) o.onLine?.(line.trim());
        },
      },
    );
    if (r.verdict !== 'ok') {
      throw Object.assign(new Error(`${action} failed after ${r.attempts} attempt(s)`), { outcome: r.outcome });
    }
    return r.outcome;
  };
  try {
    await step('git.init', ['init', '-q', dir], false);
    await step('git.fetch', ['-C', dir, 'fetch', '--depth', '1', '--no-tags', '--', o.url, o.ref], true);
    await step('git.checkout', ['-C', dir, 'checkout', '-q', '--detach', 'FETCH_HEAD'], false);
    const commit = (await step('git.rev-parse', ['-C', dir, 'rev-parse', 'HEAD'], false)).stdout.trim();
    return { dir, commit, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
