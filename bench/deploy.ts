// `npm run bench:deploy`: the same load against (a) a naive restart deploy (stop old, start new; the
// `restart` strategy) and (b) Flipdeck's blue-green, with realistic timings (6 s boot, 20 s requests in
// flight), on the lab. Prints a table and writes JSON to bench/results/. Not part of the test command.
// Load goes only to the edge's 127.0.0.1 port and is bounded in count and time.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DeployProgress } from '../shared/deploy';
import { labUp } from '../e2e/lab/lab';
import { openContext } from '../main/cli/context';
import { main } from '../main/cli/index';
import { cleanEnv } from '../e2e/lab/lab-cli';
import { longRequest, sourceDir, steadyLoad, type Hit } from '../e2e/lab/lab-deploy';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BOOT_SECONDS = 6;
const LONG_SECONDS = 20;

interface Figures {
  strategy: string;
  requests: number;
  failed: number;
  longRequests: string;
  longestGapMs: number;
  /** Flip command → first answer from the new pool, seen by a light probe (/web/health every 5 ms). */
  flipLatencyMs: number | null;
  /** The same, for the rollback's flip command → first answer from blue. */
  rollbackLatencyMs: number | null;
  /** The same two, seen by the load itself (/web/login, whose own service time adds to them). */
  flipLatencyLoadMs: number | null;
  rollbackLatencyLoadMs: number | null;
  /** The probe's median answer time: what the latency figures include beside the flip itself. */
  probeMedianMs: number;
  /** From the rollback command (lock, state, the edge's view of the kept pool) to the first blue answer. */
  rollbackTotalMs: number | null;
  /** The edge admin command's round trip at the flip, and the load's median request time: the floor under the latencies. */
  flipCommandMs: number | null;
  medianRequestMs: number;
  deployMs: number;
  overheadMs: number | null;
  steps: { id: string; ms: number }[];
  /** Each rollback progress event, in ms since the rollback command. */
  rollbackTrace: string[];
}

const quiet = { out: () => undefined, err: () => undefined };

async function cli(...argv: string[]) {
  const err: string[] = [];
  const code = await main(argv, { out: () => undefined, err: (t) => err.push(t) });
  if (code !== 0) throw new Error(`flipdeck ${argv.join(' ')} → ${code}\n${err.join('\n')}`);
}

function longestGap(hits: Hit[], from: number, to: number): number {
  const ok = hits
    .filter((h) => h.status === 200)
    .map((h) => h.at + h.ms)
    .filter((t) => t >= from && t <= to)
    .sort((a, b) => a - b);
  let gap = 0;
  let prev = from;
  for (const t of ok) {
    gap = Math.max(gap, t - prev);
    prev = t;
  }
  return Math.max(gap, to - prev);
}

const poolOf = (h: Hit) => /-(blue|green)-\d+$/.exec(h.worker)?.[1] ?? '';

/** Time from `since` to the first answer from `pool` to a request sent after `since`. */
function firstAnswer(hits: Hit[], pool: string, since: number): number | null {
  const t = hits
    .filter((h) => h.status === 200 && poolOf(h) === pool && h.at >= since)
    .map((h) => h.at + h.ms)
    .sort((a, b) => a - b)[0];
  return t === undefined ? null : t - since;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function scenario(
  work: string,
  name: string,
  port: number,
  strategy: 'restart' | 'blue-green',
): Promise<Figures> {
  await cleanEnv(name);
  const lab = (await import('../e2e/lab/lab')).readLabState();
  const apply = (version: string) => {
    const file = path.join(work, `${name}.yml`);
    writeFileSync(
      file,
      [
        'server: lab',
        `name: ${name}`,
        `source: ${sourceDir(lab, version, { bootSeconds: BOOT_SECONDS })}`,
        'replicas: 2',
        `public_bind: 127.0.0.1:${port}`,
        `strategy: ${strategy}`,
        'drain_timeout: 60s',
        'ready_timeout: 120s',
        'keep_window: 15m',
        `edge_image: ${lab.images.proxy}`,
        `db_image: ${lab.images.postgres}`,
        '',
      ].join('\n'),
    );
    return cli('env', 'apply', file);
  };
  await apply(`${name}-v1`);
  await cli('deploy', `lab/${name}`);
  await apply(`${name}-v2`);
  const ctx = await openContext(quiet);
  const url = `http://127.0.0.1:${port}`;
  const load = steadyLoad(`${url}/web/login`, 4, 240_000, 40_000, 100);
  // A light probe, one request at a time every 5 ms (bounded: 240 s, 30k requests), to see when the
  // edge's answers change pool without the load's own service time in the way.
  const probe = steadyLoad(`${url}/web/health`, 1, 240_000, 30_000, 0, 5);
  const longs = Array.from({ length: 3 }, () => longRequest(`${url}/flipdeck_lab/slow?seconds=${LONG_SECONDS}`));
  await new Promise((r) => setTimeout(r, 1000));
  const events: { at: number; p: DeployProgress }[] = [];
  const t0 = Date.now();
  const result = await ctx.services.deployments.run(`lab/${name}`, 'deploy', {
    onProgress: (p) => events.push({ at: Date.now(), p }),
  });
  const deployEnd = Date.now();
  if (!result.ok)
    throw new Error(`${strategy} deploy failed at ${result.failedStep}: ${JSON.stringify(result.reason)}`);
  await new Promise((r) => setTimeout(r, 2000));
  const startedAt = (step: string) =>
    events.find((e) => e.p.kind === 'step' && e.p.step === step && e.p.state === 'running')?.at ?? null;
  // The flip command's start: the engine reports when the edge took it and how long the command took.
  const flipCommandAt = (list: { at: number; p: DeployProgress }[]) => {
    const e = list.find((x) => x.p.kind === 'flipped');
    return e && e.p.kind === 'flipped' ? { start: e.at - e.p.commandMs, ms: e.p.commandMs } : null;
  };
  const flip = flipCommandAt(events);
  const flipStart = flip?.start ?? startedAt('flipping');
  const newPool = 'green';
  const hitsSoFar = [...load.hits];
  const firstNew = hitsSoFar
    .filter((h) => h.status === 200 && poolOf(h) === newPool)
    .map((h) => h.at + h.ms)
    .sort((a, b) => a - b)[0];
  const greenStart = startedAt('green_starting');
  const firstOkProbe = events.find((e) => e.p.kind === 'probe' && e.p.result.ok)?.at;
  const ms = (id: string) => result.steps.find((s) => s.id === id)?.ms ?? 0;
  const deployMs = deployEnd - t0;
  const overheadMs =
    greenStart && firstOkProbe ? deployMs - ms('build') - (firstOkProbe - greenStart) - ms('draining') : null;

  // Rollback: blue-green flips back to the kept pool; restart has none and redeploys the previous image.
  const r0 = Date.now();
  const backEvents: { at: number; p: DeployProgress }[] = [];
  const back = await ctx.services.deployments.run(`lab/${name}`, 'rollback', {
    onProgress: (p) => backEvents.push({ at: Date.now(), p }),
  });
  const backFlip = flipCommandAt(backEvents);
  if (!back.ok) throw new Error(`${strategy} rollback failed at ${back.failedStep}`);
  await new Promise((r) => setTimeout(r, 1000));
  const hits = await load.stop();
  const probes = await probe.stop();
  const long = await Promise.all(longs);
  const firstBack = hits
    .filter((h) => h.status === 200 && poolOf(h) === 'blue' && h.at >= r0)
    .map((h) => h.at + h.ms)
    .sort((a, b) => a - b)[0];
  const times = hits
    .filter((h) => h.status === 200)
    .map((h) => h.ms)
    .sort((a, b) => a - b);
  await ctx.services.close();
  await cleanEnv(name);
  return {
    strategy: strategy === 'restart' ? '(a) naive restart' : '(b) blue-green',
    requests: hits.length + long.length,
    failed: hits.filter((h) => h.status !== 200).length + long.filter((h) => h.status !== 200).length,
    longRequests: `${long.filter((h) => h.status === 200).length}/${long.length} ok`,
    longestGapMs: longestGap(hits, t0, deployEnd),
    flipLatencyMs: flipStart ? firstAnswer(probes, newPool, flipStart) : null,
    rollbackLatencyMs: firstAnswer(probes, 'blue', backFlip?.start ?? r0),
    flipLatencyLoadMs: flipStart && firstNew ? firstNew - flipStart : null,
    rollbackLatencyLoadMs: firstBack ? firstBack - (backFlip?.start ?? r0) : null,
    probeMedianMs: median(probes.filter((h) => h.status === 200).map((h) => h.ms)),
    rollbackTotalMs: firstBack ? firstBack - r0 : null,
    flipCommandMs: flip?.ms ?? null,
    medianRequestMs: times[Math.floor(times.length / 2)] ?? 0,
    deployMs,
    overheadMs,
    steps: result.steps.map((st) => ({ id: st.id, ms: st.ms })),
    rollbackTrace: backEvents.map(
      (e) =>
        `${e.at - r0} ms ${e.p.kind}${e.p.kind === 'step' ? ` ${e.p.step} ${e.p.state}` : e.p.kind === 'log' ? ` ${e.p.line}` : ''}`,
    ),
  };
}

async function run() {
  delete process.env.FLIPDECK_TIMING; // realistic seed timings, not the tests' fast profile
  await labUp();
  const work = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-bench-'));
  process.env.FLIPDECK_HOME = path.join(work, 'home');
  process.env.FLIPDECK_AUDIT_KEY = 'be'.repeat(32);
  process.env.FLIPDECK_AUDIT_DIR = path.join(work, 'audit');
  const lab = (await import('../e2e/lab/lab')).readLabState();
  await cli(
    'server',
    'add',
    'lab',
    '--host',
    lab.ssh.host,
    '--port',
    String(lab.ssh.port),
    '--user',
    lab.ssh.user,
    '--identity',
    lab.ssh.identity,
    '--docker-socket',
    lab.dockerSocket,
    '--client',
    'Bench',
    '--host-key',
    lab.ssh.hostKeySha256,
  );
  const rows = [
    await scenario(work, 'bench-naive', 18_800, 'restart'),
    await scenario(work, 'bench-bg', 18_801, 'blue-green'),
  ];
  const f = (v: number | null) => (v === null ? '—' : v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(2)} s`);
  const table = [
    [
      '',
      'requests',
      'failed',
      `long (${LONG_SECONDS} s)`,
      'longest gap',
      'flip latency',
      'rollback latency',
      'rollback total',
      'deploy',
      'overhead',
      'flip command',
      'probe answer',
      'flip (load)',
      'rollback (load)',
      'load median',
    ],
    ...rows.map((r) => [
      r.strategy,
      String(r.requests),
      String(r.failed),
      r.longRequests,
      f(r.longestGapMs),
      f(r.flipLatencyMs),
      f(r.rollbackLatencyMs),
      f(r.rollbackTotalMs),
      f(r.deployMs),
      f(r.overheadMs),
      f(r.flipCommandMs),
      f(r.probeMedianMs),
      f(r.flipLatencyLoadMs),
      f(r.rollbackLatencyLoadMs),
      f(r.medianRequestMs),
    ]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) console.log(row.map((c, i) => c.padEnd(widths[i]!)).join('  '));
  const outDir = path.join(ROOT, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `deploy-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        at: new Date().toISOString(),
        bootSeconds: BOOT_SECONDS,
        longRequestSeconds: LONG_SECONDS,
        machine: { cpus: os.cpus().length, memGiB: Math.round(os.totalmem() / 1024 ** 3) },
        rows,
      },
      null,
      2,
    ),
  );
  console.log(`\nwritten: ${path.relative(ROOT, file)}`);
}

run().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
