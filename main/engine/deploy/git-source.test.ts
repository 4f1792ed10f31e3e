import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fetchGitSource } from './git-source';

// A stand-in `git` first on PATH that prints the environment it was given (issue 14, point 6): what a
// hook, a credential helper or the ssh git starts would see.
function fakeGit(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-fake-git-'));
  const git = path.join(dir, 'git');
  writeFileSync(git, '#!/bin/sh\nexport -p >&2\necho 0123456789abcdef0123456789abcdef01234567\n');
  chmodSync(git, 0o755);
  return dir;
}

describe('fetchGitSource runs git with a minimal environment', () => {
  it('git sees none of our secrets, and what it needs (PATH, HOME, the agent, its own settings)', async () => {
    const secrets = {
      FLIPDECK_SECRET_SMTP: 'smtp-password-123',
      FLIPDECK_AUDIT_KEY: 'cd'.repeat(32),
      FLIPDECK_KEY_PASSPHRASE: 'open sesame',
    };
    const env = {
      PATH: `${fakeGit()}:/usr/bin:/bin`,
      HOME: '/home/ana',
      SSH_AUTH_SOCK: '/tmp/agent.sock',
      ...secrets,
    };
    const outputs: string[] = [];
    const lines: string[] = [];
    const src = await fetchGitSource({
      url: 'https://git.example/acme/odoo.git',
      ref: 'main',
      env,
      audit: async (a) => void outputs.push(a.output ?? ''),
      onLine: (l) => lines.push(l),
    });
    await src.cleanup();
    expect(src.commit).toBe('0123456789abcdef0123456789abcdef01234567');
    const seen = outputs.join('\n') + lines.join('\n');
    expect(seen).toContain('GIT_TERMINAL_PROMPT');
    expect(seen).toContain('/tmp/agent.sock');
    expect(seen).toContain("GIT_SSH_COMMAND='ssh -o BatchMode=yes'");
    expect(seen).not.toContain('FLIPDECK_');
    for (const value of Object.values(secrets)) expect(seen).not.toContain(value);
  });
});
