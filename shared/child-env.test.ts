import { describe, expect, it } from 'vitest';
import { childEnv } from './child-env';

const ours = {
  PATH: '/usr/bin:/bin',
  HOME: '/home/ana',
  LANG: 'de_DE.UTF-8',
  LC_ALL: 'de_DE.UTF-8',
  LC_MESSAGES: 'C',
  TMPDIR: '/tmp/ana',
  SSH_AUTH_SOCK: '/run/user/1000/agent.sock',
  HTTPS_PROXY: 'http://proxy:3128',
  no_proxy: 'localhost',
  GIT_SSH_COMMAND: 'ssh -i ~/.ssh/deploy',
  FLIPDECK_SECRET_SMTP: 'smtp-password-123',
  FLIPDECK_AUDIT_KEY: 'ab'.repeat(32),
  FLIPDECK_KEY_PASSPHRASE: 'open sesame',
  FLIPDECK_HOME: '/home/ana/.flipdeck',
  AWS_SECRET_ACCESS_KEY: 'aws-secret',
  GIT_CONFIG_PARAMETERS: "'core.sshCommand=evil'",
  NODE_OPTIONS: '--require /tmp/x.js',
  LD_PRELOAD: '/tmp/x.so',
};

describe('childEnv: a child gets an allow-list of our environment, never a copy (issue 14, point 6)', () => {
  it('keeps what git and ssh need, and nothing secret', () => {
    expect(childEnv(ours)).toEqual({
      PATH: '/usr/bin:/bin',
      HOME: '/home/ana',
      LANG: 'de_DE.UTF-8',
      LC_ALL: 'de_DE.UTF-8',
      LC_MESSAGES: 'C',
      TMPDIR: '/tmp/ana',
      HTTPS_PROXY: 'http://proxy:3128',
      no_proxy: 'localhost',
      GIT_SSH_COMMAND: 'ssh -i ~/.ssh/deploy',
    });
  });

  it('passes the agent socket only to a child that runs ssh', () => {
    expect(childEnv(ours).SSH_AUTH_SOCK).toBeUndefined();
    expect(childEnv(ours, { sshAgent: true }).SSH_AUTH_SOCK).toBe('/run/user/1000/agent.sock');
  });

  it("sets Flipdeck's own variables over ours", () => {
    const env = childEnv(ours, { set: { GIT_TERMINAL_PROMPT: '0', GIT_SSH_COMMAND: 'ssh -o BatchMode=yes' } });
    expect(env.GIT_TERMINAL_PROMPT).toBe('0');
    expect(env.GIT_SSH_COMMAND).toBe('ssh -o BatchMode=yes');
  });

  it('on Windows, matches names whatever their case and keeps what a child needs to start', () => {
    const env = childEnv(
      { Path: 'C:\\Windows', SystemRoot: 'C:\\Windows', ComSpec: 'cmd.exe', FLIPDECK_SECRET_X: 'secret-value' },
      { platform: 'win32' },
    );
    expect(env).toEqual({ Path: 'C:\\Windows', SystemRoot: 'C:\\Windows', ComSpec: 'cmd.exe' });
    expect(childEnv({ SystemRoot: 'C:\\Windows' }, { platform: 'linux' })).toEqual({});
  });
});
