// flipdeck env apply | preflight | deploy | rollback | status | resources | logs | unlock
// Progress goes to stderr as it happens; --json prints one document on stdout at the end.
import path from 'node:path';
import type { Command } from 'commander';
import { describeFailure, type DeployProgress } from '../../../shared/deploy';
import { FlipdeckError } from '../../../shared/errors';
import { cpusProblem, gitRef, memoryProblem, RESOURCE_RANGES } from '../../../shared/environment';
import { parseBytes } from '../../../shared/units';
import type { DeployResult } from '../../engine/deploy/driver';
import { environmentDocument, readEnvironmentFile } from '../../store/environment-yaml';
import { Exit, type ExitCode } from '../exit-codes';
import type { CliContext } from '../context';
import { UsageError } from './server';
import { isGitUrl } from '../../../shared/environment';
import { environmentStatus } from '../../host/environments/status';
import { followLogs } from '../../host/streams/log-follow';
import { updateResources } from '../../host/environments/resources';
import { fullPreflight } from '../../host/preflight/preflight';
import { preflightGate } from '../../../shared/preflight-gate';

type Run = (fn: (ctx: CliContext) => Promise<ExitCode>) => Promise<void>;

export function progressLine(p: DeployProgress): string | null {
  switch (p.kind) {
    case 'step':
      return p.state === 'running'
        ? `▶ ${p.step}`
        : `${p.state === 'done' ? '✓' : '✗'} ${p.step}${p.ms !== undefined ? ` (${(p.ms / 1000).toFixed(1)} s)` : ''}`;
    case 'log':
      return `  [${p.step}] ${p.line}`;
    case 'probe':
      return `  probe ${p.result.worker} #${p.result.attempt}: ${p.result.detail}`;
    case 'drain':
      return `  draining: ${Object.entries(p.sessions)
        .map(([w, n]) => `${w}=${n}`)
        .join(' ')} (${Math.max(0, Math.round((p.deadline - Date.now()) / 1000))} s left)`;
    case 'failure':
      return `✗ ${describeFailure(p.step, p.reason)}`;
    case 'notice':
      return `! ${p.message}`;
    case 'counters':
      return `  edge: ${p.requests} request(s) served since the flip, ${p.failed} failed`;
    case 'assets':
      return `  asset bundles: ${p.regenerations === null ? 'not counted (nothing was handed over)' : `${p.regenerations} generated during the deploy`}${p.firstPageMs !== null ? `; first page after the flip ${p.firstPageMs} ms` : ''}`;
    case 'plan':
      return `  steps: ${p.steps.join(' → ')}`;
    case 'migration':
      return `  modules: ${p.changes.kind}${p.changes.update.length ? `; -u ${p.changes.update.join(',')}` : ''}${p.changes.install.length ? `; -i ${p.changes.install.join(',')}` : ''}${p.backup ? `; backup ${p.backup}` : ''}${p.updateMs !== undefined ? `; update ${p.mode} took ${(p.updateMs / 1000).toFixed(1)} s` : ''}${p.cutoverMs !== undefined ? ` (maintenance page for ${(p.cutoverMs / 1000).toFixed(1)} s)` : ''}`;
    case 'flipped':
      return `  edge: new requests go to ${p.to} (the command took ${p.commandMs} ms)`;
  }
}

/** `--cpus`: decimal digits with an optional fraction (not `0x2`, `1e2` or `Infinity`), within Docker's range. */
export function cpusFlag(text: string): number {
  const problem = /^\d{1,3}(\.\d{1,9})?$/.test(text)
    ? cpusProblem(Number(text))
    : `must be a decimal number of CPUs from ${RESOURCE_RANGES.cpus.text}, got ${JSON.stringify(text.slice(0, 40))}: e.g. 1.5`;
  if (problem) throw new UsageError(`--cpus ${problem}`);
  return Number(text);
}

/** `--memory` / `--memory-swap`: a size like 2g, within what Docker accepts. */
export function memoryFlag(flag: string, text: string, key: 'memory' | 'memory_swap'): number {
  let bytes: number;
  try {
    bytes = parseBytes(text);
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message} (allowed: ${RESOURCE_RANGES[key].text})`);
  }
  const problem = memoryProblem(bytes, key);
  if (problem) throw new UsageError(`${flag} ${problem}`);
  return bytes;
}

function resultJson(r: DeployResult): Record<string, unknown> {
  return {
    ok: r.ok,
    deployId: r.deployId,
    steps: r.steps.map((s) => ({ id: s.id, ms: s.ms, ok: s.ok })),
    ...(r.failedStep ? { failedStep: r.failedStep } : {}),
    ...(r.failedStep && r.reason
      ? { error: describeFailure(r.failedStep, r.reason) }
      : r.cancelled
        ? { error: 'cancelled' }
        : {}),
  };
}

async function runDeploy(
  ctx: CliContext,
  ref: string,
  kind: 'deploy' | 'rollback',
  o: { json?: boolean; ref?: string; updateMode?: string },
): Promise<ExitCode> {
  const ctrl = new AbortController();
  const onSignal = () => {
    ctx.err('! cancelling: green is removed if the flip has not started');
    ctrl.abort();
  };
  process.once('SIGINT', onSignal);
  const told = new Set<string>();
  try {
    const result = await ctx.services.deployments.run(ref, kind, {
      // Which source each secret came from: a CI variable shadowing a stored value is visible in the log.
      onSecret: (name, where) => {
        if (told.has(name)) return;
        told.add(name);
        ctx.err(`secret ${name}: from ${where}`);
      },
      ...(o.ref ? { gitRef: o.ref } : {}),
      ...(o.updateMode === 'online' || o.updateMode === 'cutover' ? { updateMode: o.updateMode } : {}),
      signal: ctrl.signal,
      onProgress: (p) => {
        const line = progressLine(p);
        if (line) ctx.err(line);
      },
    });
    if (o.json) ctx.out(JSON.stringify(resultJson(result)));
    if (result.ok) {
      ctx.err(`${kind === 'deploy' ? 'deployed' : 'rolled back'}: ${ref} (${result.deployId})`);
      return Exit.ok;
    }
    if (result.reason?.kind === 'refused') return Exit.refused;
    return Exit.failed;
  } catch (err) {
    if (o.json) {
      const wire = err instanceof FlipdeckError ? err.toWire() : { code: 'internal', message: String(err) };
      ctx.out(JSON.stringify({ ok: false, deployId: null, steps: [], error: wire.message }));
    }
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
  }
}

export function registerDeployCommands(program: Command, run: Run): void {
  const env = program.command('env').description('environment definitions');
  env
    .command('apply <file>')
    .description('create or update an environment from a YAML file')
    .action((file: string) =>
      run(async (ctx) => {
        let text: string;
        try {
          text = await readEnvironmentFile(file);
        } catch (err) {
          if (err instanceof FlipdeckError)
            throw new UsageError(`${err.message}${err.fix ? `\n  fix: ${err.fix}` : ''}`);
          throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
        }
        let def: Record<string, unknown>;
        try {
          def = environmentDocument(text, file);
        } catch (err) {
          throw new UsageError((err as Error).message);
        }
        // A relative source means "beside this file", wherever the CLI runs from later.
        if (typeof def.source === 'string' && !isGitUrl(def.source))
          def.source = path.resolve(path.dirname(path.resolve(file)), def.source);
        const { environment, replaced } = await ctx.services.environments.apply(def);
        // Stored: from here on nothing may turn this into a failure, only into warnings.
        ctx.err(`${replaced ? 'updated' : 'created'} ${environment.server}/${environment.name}`);
        const warn = (what: string, err: unknown) =>
          ctx.err(`warning: ${what}: ${err instanceof Error ? err.message : String(err)}`);
        try {
          const inventory = await ctx.call('inventory.get', {});
          if (!inventory.servers.some((s) => s.name === environment.server)) {
            ctx.err(
              `warning: no server named ${environment.server} yet; add it with \`flipdeck server add ${environment.server} …\``,
            );
          }
        } catch (err) {
          warn('could not check the server against the inventory', err);
        }
        await ctx.services.deployments
          .auditNote('env.apply', environment.server, environment.name, { file, replaced })
          .catch((err: unknown) => warn('the audit log could not record this apply', err));
        return Exit.ok;
      }),
    );

  program
    .command('preflight <ref>')
    .description('check SERVER/ENV before a deploy')
    .option('--json', 'one JSON document on stdout')
    .action((ref: string, o: { json?: boolean }) =>
      run(async (ctx) => {
        const checks = await fullPreflight(ctx.services.deployments, ref);
        if (o.json) ctx.out(JSON.stringify({ checks }));
        else
          for (const c of checks)
            ctx.out(
              `${c.status.toUpperCase().padEnd(4)}  ${c.id}: ${c.message}${c.fix ? `\n      fix: ${c.fix}` : ''}`,
            );
        return checks.some((c) => c.status === 'fail') ? Exit.failed : Exit.ok;
      }),
    );

  program
    .command('deploy <ref>')
    .description('blue-green deploy of SERVER/ENV (progress on stderr)')
    .option('--ref <ref>', 'git ref to build')
    .option('--update-mode <mode>', 'online or cutover: how a schema-changing deploy runs its module update')
    .option('--yes', 'accept pre-flight warnings')
    .option('--json', 'one JSON document on stdout')
    .action((ref: string, o: { ref?: string; yes?: boolean; json?: boolean; updateMode?: string }) =>
      run(async (ctx) => {
        if (o.updateMode !== undefined && o.updateMode !== 'online' && o.updateMode !== 'cutover')
          throw new UsageError(
            `--update-mode must be online or cutover, not ${JSON.stringify(o.updateMode.slice(0, 40))}`,
          );
        if (o.ref !== undefined && !gitRef.safeParse(o.ref).success)
          throw new UsageError(`--ref ${JSON.stringify(o.ref.slice(0, 80))} is not a branch, tag or commit`);
        const checks = await fullPreflight(ctx.services.deployments, ref);
        for (const c of checks)
          if (c.status !== 'pass')
            ctx.err(`${c.status === 'fail' ? '✗' : '!'} preflight ${c.id}: ${c.message}${c.fix ? ` — ${c.fix}` : ''}`);
        const gate = preflightGate(checks, { acceptWarnings: !!o.yes });
        if (!gate.go && gate.reason === 'failed') {
          if (o.json)
            ctx.out(
              JSON.stringify({
                ok: false,
                deployId: null,
                steps: [],
                failedStep: 'preflight',
                error: gate.failed.map((c) => c.message).join('; '),
              }),
            );
          return Exit.failed;
        }
        if (!gate.go) {
          ctx.err('refused: pre-flight has warnings; re-run with --yes to accept them');
          if (o.json)
            ctx.out(
              JSON.stringify({
                ok: false,
                deployId: null,
                steps: [],
                failedStep: 'preflight',
                error: 'warnings not accepted (--yes)',
              }),
            );
          return Exit.refused;
        }
        return runDeploy(ctx, ref, 'deploy', o);
      }),
    );

  program
    .command('rollback <ref>')
    .description('flip SERVER/ENV back to the kept pool (or redeploy the previous image)')
    .option('--json', 'one JSON document on stdout')
    .action((ref: string, o: { json?: boolean }) => run((ctx) => runDeploy(ctx, ref, 'rollback', o)));

  program
    .command('status <ref>')
    .description('what runs on SERVER/ENV, read from the server')
    .option('--json', 'one JSON document on stdout')
    .action((ref: string, o: { json?: boolean }) =>
      run(async (ctx) => {
        const s = await environmentStatus(await ctx.services.deployments.target(ref));
        if (o.json) ctx.out(JSON.stringify(s));
        else {
          ctx.out(
            `live: ${s.live ?? 'none'}${s.kept ? `; kept: ${s.kept.pool} until ${s.kept.until}` : ''}${s.lock ? `; locked by ${s.lock.holder} since ${s.lock.since}` : ''}`,
          );
          for (const w of s.workers)
            ctx.out(`  ${w.pool.padEnd(5)} ${w.name}  ${w.ready ? 'ready' : 'not ready'}  ${w.image}`);
        }
        return Exit.ok;
      }),
    );

  program
    .command('resources <ref>')
    .description('change memory/CPU of a running pool, live (docker update, no restart)')
    .option('--pool <pool>', 'blue or green (default: the live pool)')
    .option('--memory <size>', 'e.g. 2g')
    .option('--memory-swap <size>', 'memory + swap, e.g. 3g')
    .option('--cpus <n>', 'e.g. 1.5')
    .action((ref: string, o: { pool?: string; memory?: string; memorySwap?: string; cpus?: string }) =>
      run(async (ctx) => {
        if (o.pool !== undefined && o.pool !== 'blue' && o.pool !== 'green')
          throw new UsageError('--pool must be blue or green');
        if (o.memory === undefined && o.memorySwap === undefined && o.cpus === undefined)
          throw new UsageError('give --memory, --memory-swap and/or --cpus');
        const cpus = o.cpus === undefined ? undefined : cpusFlag(o.cpus);
        if (o.memory !== undefined) memoryFlag('--memory', o.memory, 'memory');
        if (o.memorySwap !== undefined) memoryFlag('--memory-swap', o.memorySwap, 'memory_swap');
        const pool = o.pool ?? (await environmentStatus(await ctx.services.deployments.target(ref))).live;
        if (!pool) throw new UsageError(`${ref} has no live pool yet; name one with --pool`);
        const changed = await updateResources(ctx.services.deployments, ref, {
          pool: pool as 'blue' | 'green',
          ...(o.memory ? { memory: o.memory } : {}),
          ...(o.memorySwap ? { memorySwap: o.memorySwap } : {}),
          ...(cpus !== undefined ? { cpus } : {}),
        });
        for (const c of changed) ctx.err(`updated ${c.name}: ${JSON.stringify(c.old)} → ${JSON.stringify(c.new)}`);
        return Exit.ok;
      }),
    );

  program
    .command('logs <ref>')
    .description('worker logs of SERVER/ENV, each line labelled with its worker')
    .option('--pool <pool>', 'blue or green')
    .option('--follow', 'keep following (Ctrl-C stops)')
    .action((ref: string, o: { pool?: string; follow?: boolean }) =>
      run(async (ctx) => {
        if (o.pool !== undefined && o.pool !== 'blue' && o.pool !== 'green')
          throw new UsageError('--pool must be blue or green');
        const ctrl = new AbortController();
        process.once('SIGINT', () => ctrl.abort());
        await followLogs(
          await ctx.services.deployments.target(ref),
          o.pool as 'blue' | 'green' | undefined,
          Boolean(o.follow),
          (l) => ctx.out(l),
          ctrl.signal,
        );
        return Exit.ok;
      }),
    );

  program
    .command('gc <ref>')
    .description('remove a kept pool whose keep window is over, and images beyond the last 3 (a deploy does this too)')
    .option('--json', 'one JSON document on stdout')
    .action((ref: string, o: { json?: boolean }) =>
      run(async (ctx) => {
        const r = await ctx.services.deployments.gc(ref);
        if (o.json) ctx.out(JSON.stringify(r));
        ctx.err(
          `${r.removedPool ? `removed the kept ${r.removedPool} pool` : 'no expired kept pool'}; ${r.prunedImages.length ? `pruned ${r.prunedImages.join(', ')}` : 'no image to prune'}`,
        );
        return Exit.ok;
      }),
    );

  program
    .command('unlock <ref>')
    .description('break the deploy lock of SERVER/ENV deliberately (audited)')
    .action((ref: string) =>
      run(async (ctx) => {
        const r = await ctx.services.deployments.unlock(ref);
        ctx.err(r.broke ? `broke the lock held by ${r.broke}` : 'no lock was held');
        return Exit.ok;
      }),
    );
}
