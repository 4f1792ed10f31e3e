// A git source against the lab: a bare repository served over the lab's sshd, fetched at a tag or a
// `--ref`, built on the server; bad refs are refused before git runs; a missing ref fails at build
// with git's own words and is not retried (it is not the network).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sourceDir } from '../../e2e/lab/lab-deploy';
import { L, applyEnv, cleanEnv, cli, labHome, status } from '../../e2e/lab/lab-cli';

const ENV = 'gittest';
const PORT = 18_600;
let work = '';
let url = '';
const commits: Record<string, string> = {};
const MARKER = '/tmp/flipdeck-git-marker';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Lab', '-c', 'user.email=lab@example.invalid', ...args], {
    cwd,
    encoding: 'utf8',
  }).trim();
}

beforeAll(async () => {
  await cleanEnv(ENV);
  rmSync(MARKER, { force: true });
  work = await labHome('git');
  // The repository lives where the lab's ssh user can read it.
  const repos = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-repos-'));
  chmodSync(repos, 0o755);
  const bare = path.join(repos, 'app.git');
  execFileSync('git', ['init', '-q', '--bare', bare]);
  const src = sourceDir(L, 'g1');
  git(src, 'init', '-q', '-b', 'main');
  git(src, 'add', '-A');
  git(src, 'commit', '-q', '-m', 'g1');
  git(src, 'tag', 'v1');
  commits.v1 = git(src, 'rev-parse', 'HEAD');
  writeFileSync(
    path.join(src, 'Dockerfile'),
    readFileSync(path.join(src, 'Dockerfile'), 'utf8').replace('APP_VERSION=g1', 'APP_VERSION=g2'),
  );
  git(src, 'commit', '-q', '-am', 'g2');
  git(src, 'tag', 'v2');
  commits.v2 = git(src, 'rev-parse', 'HEAD');
  git(src, 'push', '-q', bare, 'main', 'v1', 'v2');
  // Owned by the ssh user, as on a git host (git refuses repositories owned by someone else).
  execFileSync('chown', ['-R', L.ssh.user, repos]);
  url = `ssh://${L.ssh.user}@${L.ssh.host}:${L.ssh.port}${bare}`;
  process.env.GIT_SSH_COMMAND = `ssh -i ${L.ssh.identity} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=${path.join(work, 'known_hosts')}`;
}, 60_000);
afterAll(async () => {
  delete process.env.GIT_SSH_COMMAND;
  await cleanEnv(ENV);
}, 60_000);

describe('git source', () => {
  it('deploys the tag named in the environment, then another with --ref, recording the commit', async () => {
    await applyEnv(work, ENV, PORT, url, ['ref: v1']);
    const first = await cli(['deploy', `lab/${ENV}`]);
    expect(first.code, first.err).toBe(0);
    expect(first.err).toContain(`v1 is ${commits.v1}`);
    const second = await cli(['deploy', `lab/${ENV}`, '--ref', 'v2']);
    expect(second.code, second.err).toBe(0);
    expect(second.err).toContain(`v2 is ${commits.v2}`);
    expect((await status(ENV)).live).toBe('green');
    const audit = JSON.parse((await cli(['audit', '--json'])).out) as {
      records: { action: string; argv?: string[]; ok: boolean }[];
    };
    const fetches = audit.records.filter((r) => r.action === 'git.fetch');
    expect(fetches.map((f) => f.ok)).toEqual([true, true]);
    expect(fetches.find((f) => f.argv?.includes('v1'))?.argv).toEqual(
      expect.arrayContaining(['fetch', '--depth', '1', '--', url, 'v1']),
    );
  }, 240_000);

  it('a ref that does not exist fails at build with git’s message, once (not retried), and the live pool stays', async () => {
    const r = await cli(['deploy', `lab/${ENV}`, '--ref', 'no-such-tag', '--json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out) as { failedStep: string; error: string };
    expect(doc.failedStep).toBe('build');
    expect(doc.error).toMatch(/couldn't find remote ref no-such-tag/);
    const audit = JSON.parse((await cli(['audit', '--json'])).out) as { records: { action: string; ok: boolean }[] };
    expect(audit.records.filter((x) => x.action === 'git.fetch' && !x.ok)).toHaveLength(1);
    expect((await status(ENV)).live).toBe('green');
  }, 120_000);

  it('refuses option-like refs and shell text before git ever runs', async () => {
    const hostile = await cli(['deploy', `lab/${ENV}`, '--ref', `--upload-pack=touch ${MARKER}`]);
    expect(hostile.code).toBe(2);
    const file = path.join(work, 'bad.yml');
    writeFileSync(
      file,
      readFileSync(path.join(work, `${ENV}.yml`), 'utf8').replace('ref: v1', `ref: "v1;touch ${MARKER}"`),
    );
    const apply = await cli(['env', 'apply', file]);
    expect(apply.code).toBe(2);
    expect(apply.err).toMatch(/ref/);
    expect(existsSync(MARKER)).toBe(false);
  });
});
