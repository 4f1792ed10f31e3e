// The build step: a prebuilt image (pulled when missing), a local source directory, or a git ref
// fetched to a scratch directory — then `docker build` on the server through the tunnel.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Environment } from '../../../shared/environment';
import { buildFromDirectory } from './build';
import { fetchGitSource } from './git-source';
import type { PoolOps } from './pool-ops';
import { builtImageRepo } from './reaper';
import { audited, type AuditSink, type ServerLink } from '../core/server-link';
import { StepFailure } from './step-failure';
import { baseImageOf } from '../docker/dockerfile';
import { readSourceFacts, type SourceFacts } from '../preflight/source-facts';
import { moduleStamp } from '../preflight/checks/modules';
import { manifestDependencyCheck } from '../preflight/checks/odoo-source';
import { MODULES_LABEL } from '../preflight/server-facts';
import type { CommandOutcome } from '../core/command-retry';
import { CRON_LOAD_LABEL, cronLoad, QUEUE_JOB } from '../odoo/queue-job';
import { imageAddons } from '../odoo/addons';
import { isGitUrl } from '../../../shared/environment';

export interface BuildRequest {
  env: Environment;
  deployId: string;
  /** A prebuilt image to run instead of building (a rollback after the window, or `image:`). */
  image?: string;
  ref?: string;
  link: ServerLink;
  audit: AuditSink;
  pools: PoolOps;
  signal: AbortSignal;
  log(line: string): void;
  /** A warning the operator should see (not a failure). */
  warn(message: string): void;
}

/**
 * Cached base images hide updates (security fixes in the Odoo image): try a fresh pull first. When no
 * registry answers, say so and build from the copy the server has; never fail the deploy for it.
 */
async function pullBase(r: BuildRequest, dir: string): Promise<void> {
  const text = await readFile(path.join(dir, r.env.dockerfile), 'utf8').catch(() => null);
  const base = text ? baseImageOf(text) : null;
  if (!base) return;
  const argv = ['docker', 'pull', base];
  const started = Date.now();
  try {
    const stream = await r.link.docker.pull(base);
    await new Promise((res, rej) =>
      r.link.docker.modem.followProgress(stream, (err: Error | null) => (err ? rej(err) : res(null))),
    );
    await r.audit({ action: 'docker.image.pull', argv, ok: true, exitCode: 0, durationMs: Date.now() - started });
    r.log(`pulled the base image ${base}`);
  } catch (err) {
    const why = (err as Error).message.split('\n')[0]!.slice(0, 300);
    await r.audit({
      action: 'docker.image.pull',
      argv,
      ok: false,
      exitCode: 1,
      durationMs: Date.now() - started,
      output: why,
    });
    r.warn(
      `could not pull the base image ${base} (no registry answered: ${why}); building from the copy on the server, which may be older`,
    );
  }
}

export async function buildStep(r: BuildRequest): Promise<{ image: string; commit?: string }> {
  const e = r.env;
  const prebuilt = r.image ?? e.image;
  if (prebuilt) {
    if (!(await r.pools.imageExists(prebuilt))) {
      try {
        await audited(r.audit, 'docker.image.pull', ['docker', 'pull', prebuilt], async () => {
          const s = await r.link.docker.pull(prebuilt);
          await new Promise((res, rej) =>
            r.link.docker.modem.followProgress(s, (err: Error | null) => (err ? rej(err) : res(null))),
          );
        });
      } catch (err) {
        throw new StepFailure({
          kind: 'command',
          argv: ['docker', 'pull', prebuilt],
          exitCode: 1,
          stderr: (err as Error).message,
        });
      }
    }
    r.log(`using image ${prebuilt}`);
    return { image: prebuilt };
  }
  if (!e.source) throw new StepFailure({ kind: 'error', message: 'the environment has neither `source` nor `image`' });
  if (!isGitUrl(e.source)) {
    await pullBase(r, e.source);
    return { image: await buildDir(r, e.source) };
  }
  const ref = r.ref ?? e.ref ?? 'HEAD';
  r.log(`fetching ${ref} from ${e.source}`);
  let fetched;
  try {
    fetched = await fetchGitSource({ url: e.source, ref, audit: r.audit, onLine: r.log });
  } catch (err) {
    const outcome = (err as { outcome?: CommandOutcome }).outcome;
    if (!outcome) throw err;
    throw new StepFailure({
      kind: 'command',
      argv: outcome.argv,
      exitCode: outcome.exitCode,
      stderr: outcome.stderr || outcome.stdout,
    });
  }
  r.log(`${ref} is ${fetched.commit}`);
  try {
    await pullBase(r, fetched.dir);
    return { image: await buildDir(r, fetched.dir), commit: fetched.commit };
  } finally {
    await fetched.cleanup();
  }
}

async function buildDir(r: BuildRequest, source: string): Promise<string> {
  const e = r.env;
  const tag = `${builtImageRepo(e.name)}:${r.deployId}`;
  const facts = readSourceFacts(source, e.dockerfile);
  const fromImage = await dependencyTrap(r, facts);
  const load = cronLoad(
    facts.conf?.serverWideModules,
    facts.addons.some((a) => a.name === QUEUE_JOB) || !!fromImage?.has(QUEUE_JOB),
  );
  const labels = {
    [MODULES_LABEL]: JSON.stringify(moduleStamp(facts.addons)),
    [CRON_LOAD_LABEL]: load ? JSON.stringify(load) : '',
  };
  if (load) r.log(`queue_job: the cron runner loads ${load.join(',')} and sends jobs through the edge`);
  const argv = ['docker', 'build', '-f', e.dockerfile, '-t', tag, source];
  const started = Date.now();
  const lines: string[] = [];
  try {
    const image = await buildFromDirectory({
      docker: r.link.docker,
      source,
      dockerfile: e.dockerfile,
      tag,
      labels,
      signal: r.signal,
      onLine: (l) => (lines.push(l), r.log(l)),
    });
    await r.audit({
      action: 'docker.build',
      argv,
      ok: true,
      exitCode: 0,
      durationMs: Date.now() - started,
      output: lines.join('\n'),
    });
    return image;
  } catch (err) {
    await r.audit({
      action: 'docker.build',
      argv,
      ok: false,
      exitCode: 1,
      durationMs: Date.now() - started,
      output: lines.join('\n'),
    });
    throw err;
  }
}

/**
 * The missing-dependency trap, checked on what is about to be built (a git source is only readable
 * after its fetch): every `depends` must resolve to the source or the base image, else Odoo would
 * skip the addon silently. The database's installed modules are the pre-flight's business. Returns
 * the base image's addons when it listed them (queue_job may come from there).
 */
async function dependencyTrap(r: BuildRequest, facts: SourceFacts): Promise<Set<string> | null> {
  if (facts.addons.length === 0 || !facts.baseImage || facts.baseImage.includes('$')) return null;
  const own = new Set(facts.addons.map((a) => a.name));
  const needsImage = facts.addons.some((a) => a.installable && a.depends.some((d) => !own.has(d)));
  if (!needsImage) return null;
  const fromImage = await imageAddons(r.link.docker, r.audit, facts.baseImage);
  if (!fromImage) {
    r.warn(`could not list the addons of ${facts.baseImage}: dependencies were not checked before the build`);
    return null;
  }
  const check = manifestDependencyCheck(facts, fromImage, null);
  if (check.status === 'fail')
    throw new StepFailure({ kind: 'refused', why: `${check.message}${check.fix ? ` — ${check.fix}` : ''}` });
  r.log(check.message);
  return fromImage;
}
