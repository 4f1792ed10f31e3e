// A CI job waits for the CLI to exit: no timer, socket or child may outlive the work. Each command runs
// as a real process (bin/flipdeck.mjs, as a pipeline runs it) and must exit within 1 s of its last
// output; a timeout raced against the work and never cleared kept it alive for up to 30 minutes.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sourceDir } from '../../e2e/lab/lab-deploy';
import { L, applyEnv, cleanEnv, labHome } from '../../e2e/lab/lab-cli';

const ENV = { name: 'exittest', port: 18_403 };
const ROOT = path.resolve(__dirname, '../..');
let work = '';

interface Run {
  code: number | null;
  out: string;
  err: string;
  /** From the last byte it printed to its exit. */
  lingerMs: number;
}

function flipdeck(args: string[], timeoutMs = 180_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    // The pinned Node of the project (node_modules/.bin first), as npm scripts and npx run it.
    const child = spawn(path.join(ROOT, 'node_modules/.bin/node'), [path.join(ROOT, 'bin/flipdeck.mjs'), ...args], {
      cwd: ROOT,
      env: { ...process.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let last = Date.now();
    child.stdout.on('data', (d: Buffer) => ((out += d.toString()), (last = Date.now())));
    child.stderr.on('data', (d: Buffer) => ((err += d.toString()), (last = Date.now())));
    const kill = setTimeout(
      () => (
        child.kill('SIGKILL'),
        reject(new Error(`flipdeck ${args.join(' ')} still running after ${timeoutMs} ms`))
      ),
      timeoutMs,
    );
    child.on('exit', (code) => {
      clearTimeout(kill);
      resolve({ code, out, err, lingerMs: Date.now() - last });
    });
  });
}

beforeAll(async () => {
  await cleanEnv(ENV.name);
  work = await labHome('exit');
  await applyEnv(work, ENV.name, ENV.port, sourceDir(L, 'x1'), ['drain_timeout: 3s']);
}, 120_000);
afterAll(() => cleanEnv(ENV.name), 60_000);

describe('the CLI exits when its work is done', () => {
  it.each([
    ['preflight', ['preflight', `lab/${ENV.name}`]],
    ['deploy', ['deploy', `lab/${ENV.name}`, '--yes']],
    ['status', ['status', `lab/${ENV.name}`, '--json']],
    ['a second deploy', ['deploy', `lab/${ENV.name}`, '--yes']],
    ['rollback', ['rollback', `lab/${ENV.name}`]],
    ['restore (lists the backups)', ['restore', `lab/${ENV.name}`]],
  ])(
    '%s exits within 1 s of its last output',
    async (_what, args) => {
      const r = await flipdeck(args);
      expect(r.code, `${r.out}\n${r.err}`).not.toBeNull();
      expect(r.lingerMs, `${args.join(' ')} lingered ${r.lingerMs} ms after its last output`).toBeLessThan(1000);
    },
    200_000,
  );
});
