import { describe, expect, it } from 'vitest';
import { runChild } from './child-process';

// A real child, started the way main/ starts every child: it prints the environment it got.
const printEnv = [process.execPath, '-e', 'process.stdout.write(JSON.stringify(process.env))'];

describe('runChild (issue 14, point 6)', () => {
  it('gives a child none of our secrets: no FLIPDECK_SECRET_*, audit key or key passphrase', async () => {
    const parent = {
      ...process.env,
      FLIPDECK_SECRET_SMTP: 'smtp-password-123',
      FLIPDECK_SECRET_DB_PROD: 'db-password-456',
      FLIPDECK_AUDIT_KEY: 'ab'.repeat(32),
      FLIPDECK_KEY_PASSPHRASE: 'open sesame',
      SSH_AUTH_SOCK: '/tmp/agent.sock',
      SOMETHING_ELSE: 'x',
    };
    const r = await runChild(printEnv, { timeoutMs: 20_000, parent });
    expect(r.exitCode).toBe(0);
    const env = JSON.parse(r.stdout) as Record<string, string>;
    expect(Object.keys(env).filter((k) => k.startsWith('FLIPDECK_'))).toEqual([]);
    expect(r.stdout).not.toMatch(/smtp-password-123|db-password-456|open sesame|abababab/);
    expect(env.SSH_AUTH_SOCK).toBeUndefined();
    expect(env.SOMETHING_ELSE).toBeUndefined();
    expect(env.PATH).toBe(process.env.PATH);
  });

  it('passes the agent socket and what Flipdeck sets when asked', async () => {
    const r = await runChild(printEnv, {
      timeoutMs: 20_000,
      parent: { PATH: process.env.PATH, SSH_AUTH_SOCK: '/tmp/agent.sock', FLIPDECK_SECRET_X: 'secret-value' },
      sshAgent: true,
      set: { GIT_TERMINAL_PROMPT: '0' },
    });
    const env = JSON.parse(r.stdout) as Record<string, string>;
    expect(env.SSH_AUTH_SOCK).toBe('/tmp/agent.sock');
    expect(env.GIT_TERMINAL_PROMPT).toBe('0');
    expect(env.FLIPDECK_SECRET_X).toBeUndefined();
  });
});
