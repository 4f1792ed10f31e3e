// What a consultant fears most: the link drops, or the laptop's process dies, in the middle of a deploy.
// The connection goes through the lab's relay, which the test cuts; the CLI runs as a real process the
// test kills. Afterwards `status` tells the truth, the next deploy or rollback succeeds, and the load
// (aimed only at the edge's 127.0.0.1 port) saw no failed request.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cutRelay, restoreRelay } from '../../e2e/lab/relay-control';
import { sourceDir, steadyLoad } from '../../e2e/lab/lab-deploy';
import { L, applyEnv, cleanEnv, cli, labHome, servingPool, status } from '../../e2e/lab/lab-cli';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ENV = 'cuttest';
const PORT = 18_300;
let work = '';
let version = 0;
const applyNewVersion = () => applyEnv(work, ENV, PORT, sourceDir(L, `cut-${++version}`, { bootSeconds: 2 }));

/** The truth after an interruption: status agrees with the edge, no lock blocks, the next deploy works. */
async function expectRecoverable(kind: 'deploy' | 'rollback' = 'deploy') {
  const s = await status(ENV);
  expect(s.live).toBe(await servingPool(PORT));
  expect(s.lock).toBeNull();
  if (kind === 'deploy') await applyNewVersion();
  const next = await cli(
    kind === 'deploy' ? ['deploy', `lab/${ENV}`, '--yes', '--json'] : ['rollback', `lab/${ENV}`, '--json'],
  );
  expect(next.code, next.err).toBe(0);
  const after = await status(ENV);
  expect(after.live).toBe(await servingPool(PORT));
  expect(after.live).not.toBe(s.live);
}

function withLoad() {
  return steadyLoad(`http://127.0.0.1:${PORT}/web/login`, 4, 150_000);
}

beforeAll(async () => {
  await restoreRelay();
  await cleanEnv(ENV);
  // Through the relay: the link the tests cut.
  work = await labHome('cut', { host: L.relay.host, port: L.relay.port });
  await applyNewVersion();
  const first = await cli(['deploy', `lab/${ENV}`, '--json']);
  expect(first.code, first.err).toBe(0);
}, 240_000);

afterEach(async () => {
  await restoreRelay();
});
afterAll(() => cleanEnv(ENV), 60_000);

/** Cuts the relay for `ms` when a progress line matches. */
function cutWhen(match: RegExp, ms: number) {
  let done = false;
  let restored: Promise<void> = Promise.resolve();
  return {
    onErr(line: string) {
      if (done || !match.test(line)) return;
      done = true;
      restored = cutRelay()
        .then(() => new Promise((r) => setTimeout(r, ms)))
        .then(() => restoreRelay());
    },
    get fired() {
      return done;
    },
    restored: () => restored,
  };
}

describe('the link drops mid-deploy (relay cut for 3 s)', () => {
  for (const [at, trigger] of [
    ['during build', /^▶ build/],
    ['during readiness', /^ {2}probe /],
    ['right after the flip', /^✓ flipping/],
  ] as const) {
    it(`${at}: blue keeps serving, status tells the truth, the next deploy succeeds`, async () => {
      const load = withLoad();
      await applyNewVersion();
      const cut = cutWhen(trigger, 3000);
      const r = await cli(['deploy', `lab/${ENV}`, '--json'], (l) => cut.onErr(l));
      await cut.restored();
      expect(cut.fired).toBe(true);
      const doc = JSON.parse(r.out) as { ok: boolean; failedStep?: string };
      // Riding out the cut is best; failing cleanly at the step it hit is acceptable. Never a half state.
      if (!doc.ok) expect(doc.failedStep, r.err).toBeDefined();
      await expectRecoverable();
      const hits = await load.stop();
      const failed = hits.filter((h) => h.status !== 200);
      expect(failed, JSON.stringify(failed.slice(0, 3))).toEqual([]);
    }, 240_000);
  }
});

describe('the CLI process is killed mid-deploy', () => {
  for (const [at, trigger] of [
    ['during build', /▶ build/],
    ['during readiness', /probe /],
    ['right after the flip', /✓ flipping/],
  ] as const) {
    it(`${at}: status tells the truth, the stale lock is taken over, the next deploy succeeds`, async () => {
      const load = withLoad();
      await applyNewVersion();
      const child = spawn(
        path.join(ROOT, 'node_modules', '.bin', 'node'),
        [path.join(ROOT, 'bin', 'flipdeck.mjs'), 'deploy', `lab/${ENV}`],
        {
          env: { ...process.env },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      let stderr = '';
      const killed = await new Promise<boolean>((resolve) => {
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          if (trigger.test(stderr) && child.exitCode === null) {
            child.kill('SIGKILL');
          }
        });
        child.on('exit', (_code, signal) => resolve(signal === 'SIGKILL'));
      });
      expect(killed, stderr).toBe(true);
      await expectRecoverable();
      const hits = await load.stop();
      const failed = hits.filter((h) => h.status !== 200);
      expect(failed, JSON.stringify(failed.slice(0, 3))).toEqual([]);
    }, 240_000);
  }

  it('after all that, a rollback flips back to the kept pool', async () => {
    if (!(await status(ENV)).kept) {
      await applyNewVersion();
      expect((await cli(['deploy', `lab/${ENV}`, '--yes'])).code).toBe(0);
    }
    await expectRecoverable('rollback');
  }, 120_000);
});
