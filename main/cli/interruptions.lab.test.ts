// What a consultant fears most: the link drops, or the laptop's process dies, in the middle of a deploy.
// The connection goes through the lab's relay, which the test cuts; the CLI runs as a real process the
// test kills. Afterwards `status` tells the truth, the next deploy or rollback succeeds, and the load
// (aimed only at the edge's 127.0.0.1 port) saw no failed request.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readLabState } from '../../e2e/lab/lab';
import { cutRelay, restoreRelay } from '../../e2e/lab/relay-control';
import { envNames } from '../engine/names';
import { sourceDir, steadyLoad } from '../engine/testing/lab-deploy';
import { main } from './index';

const L = readLabState();
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ENV = 'cuttest';
const PORT = 18_300;
const labDocker = new Docker({ socketPath: L.dockerSocket });
const work = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-cut-'));
const HOME = path.join(work, 'home');

async function cli(argv: string[], onErr?: (line: string) => void) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => (err.push(t), onErr?.(t)) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

let version = 0;
function applyNewVersion(): Promise<{ code: number }> {
  version++;
  const file = path.join(work, `${ENV}.yml`);
  writeFileSync(file, [
    'server: lab', `name: ${ENV}`, `source: ${sourceDir(L, `cut-${version}`, { bootSeconds: 2 })}`, 'replicas: 2', `public_bind: 127.0.0.1:${PORT}`,
    'drain_timeout: 10s', 'ready_timeout: 60s', 'keep_window: 10m', `edge_image: ${L.images.proxy}`, `db_image: ${L.images.postgres}`, '',
  ].join('\n'));
  return cli(['env', 'apply', file]);
}

type Status = { live: 'blue' | 'green' | null; workers: { pool: string; ready: boolean }[]; kept: { pool: string } | null; lock: { holder: string } | null };
const status = async () => JSON.parse((await cli(['status', `lab/${ENV}`, '--json'])).out) as Status;

/** Which pool the edge really sends traffic to. */
async function servingPool(): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${PORT}/web/login`, { signal: AbortSignal.timeout(10_000) });
  await r.arrayBuffer();
  return /-(blue|green)-\d+$/.exec(r.headers.get('x-flipdeck-worker') ?? '')?.[1] ?? 'none';
}

/** The truth after an interruption: status agrees with the edge, no lock blocks, the next deploy works. */
async function expectRecoverable(kind: 'deploy' | 'rollback' = 'deploy') {
  const s = await status();
  expect(s.live).toBe(await servingPool());
  expect(s.lock).toBeNull();
  if (kind === 'deploy') await applyNewVersion();
  const next = await cli(kind === 'deploy' ? ['deploy', `lab/${ENV}`, '--yes', '--json'] : ['rollback', `lab/${ENV}`, '--json']);
  expect(next.code, next.err).toBe(0);
  const after = await status();
  expect(after.live).toBe(await servingPool());
  expect(after.live).not.toBe(s.live);
}

function withLoad() {
  return steadyLoad(`http://127.0.0.1:${PORT}/web/login`, 4, 150_000);
}

async function cleanEnv() {
  const list = await labDocker.listContainers({ all: true, filters: { label: [`io.flipdeck.environment=${ENV}`] } });
  await Promise.all(list.map((c) => labDocker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
  const n = envNames(ENV);
  for (const v of [n.dataVolume, n.dbVolume, n.edgeStateVolume]) await labDocker.getVolume(v).remove().catch(() => undefined);
  await labDocker.getNetwork(n.network).remove().catch(() => undefined);
}

beforeAll(async () => {
  process.env.FLIPDECK_HOME = HOME;
  process.env.FLIPDECK_AUDIT_KEY = 'ab'.repeat(32);
  process.env.FLIPDECK_TIMING = 'fast';
  await restoreRelay();
  await cleanEnv();
  // Through the relay: the link the tests cut.
  const add = await cli(['server', 'add', 'lab', '--host', L.relay.host, '--port', String(L.relay.port), '--user', L.ssh.user, '--identity', L.ssh.identity,
    '--docker-socket', L.dockerSocket, '--client', 'Lab', '--host-key', L.ssh.hostKeySha256]);
  expect(add.code, add.err).toBe(0);
  await applyNewVersion();
  const first = await cli(['deploy', `lab/${ENV}`, '--json']);
  expect(first.code, first.err).toBe(0);
}, 240_000);

afterEach(async () => {
  await restoreRelay();
});
afterAll(cleanEnv, 60_000);

/** Cuts the relay for `ms` when a progress line matches. */
function cutWhen(match: RegExp, ms: number) {
  let done = false;
  let restored: Promise<void> = Promise.resolve();
  return {
    onErr(line: string) {
      if (done || !match.test(line)) return;
      done = true;
      restored = cutRelay().then(() => new Promise((r) => setTimeout(r, ms))).then(() => restoreRelay());
    },
    get fired() {
      return done;
    },
    restored: () => restored,
  };
}

describe('the link drops mid-deploy (relay cut for 3 s)', () => {
  for (const [at, trigger] of [['during build', /^▶ build/], ['during readiness', /^ {2}probe /], ['right after the flip', /^✓ flipping/]] as const) {
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
  for (const [at, trigger] of [['during build', /▶ build/], ['during readiness', /probe /], ['right after the flip', /✓ flipping/]] as const) {
    it(`${at}: status tells the truth, the stale lock is taken over, the next deploy succeeds`, async () => {
      const load = withLoad();
      await applyNewVersion();
      const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'node'), [path.join(ROOT, 'bin', 'flipdeck.mjs'), 'deploy', `lab/${ENV}`], {
        env: { ...process.env, FLIPDECK_HOME: HOME },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
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
    if (!(await status()).kept) {
      await applyNewVersion();
      expect((await cli(['deploy', `lab/${ENV}`, '--yes'])).code).toBe(0);
    }
    await expectRecoverable('rollback');
  }, 120_000);
});
