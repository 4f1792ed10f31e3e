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
import { installedModules, liveModuleStamp, MODULES_LABEL } from '../preflight/server-facts';
import type { CommandOutcome } from '../core/command-retry';
import { CRON_LOAD_LABEL, cronLoad, QUEUE_JOB, rememberCronLoad } from '../odoo/queue-job';
import { imageFacts, loadableAddons, type ImageFacts } from '../odoo/image-facts';
import { builtImageVerdict, externalDepsPlan } from './built-image-check';
import { isGitUrl } from '../../../shared/environment';

export interface BuildRequest {
  env: Environment;
  deployId: string;
  /** A prebuilt image to run instead of building (a rollback after the window, or `image:`). */
  image?: string;
  ref?: string;
  /** The image the live pool runs: its module stamp says which addons this deploy installs. */
  liveImage?: string | null;
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

export interface BuildOutcome {
  image: string;
  commit?: string;
  /** What the built image and the live one said (../odoo/image-facts.ts), for the migrating step. */
  facts?: { built: ImageFacts | null; live: ImageFacts | null };
}

export async function buildStep(r: BuildRequest): Promise<BuildOutcome> {
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
    return await buildDir(r, e.source);
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
    return { ...(await buildDir(r, fetched.dir)), commit: fetched.commit };
  } finally {
    await fetched.cleanup();
  }
}

async function buildDir(r: BuildRequest, source: string): Promise<BuildOutcome> {
  const e = r.env;
  const tag = `${builtImageRepo(e.name)}:${r.deployId}`;
  const facts = readSourceFacts(source, e.dockerfile);
  // queue_job from the source is known now; from the image (pip, the base image) only after the build.
  const load = cronLoad(
    facts.conf?.serverWideModules,
    facts.addons.some((a) => a.name === QUEUE_JOB),
  );
  const labels: Record<string, string> = { [MODULES_LABEL]: JSON.stringify(moduleStamp(facts.addons)) };
  if (load) labels[CRON_LOAD_LABEL] = JSON.stringify(load);
  // The live image's Odoo (its core addons' versions) is read beside the build, costing no wall time.
  const live = r.liveImage ? imageFacts(r.link.docker, r.audit, r.liveImage).catch(() => null) : null;
  const argv = ['docker', 'build', '-f', e.dockerfile, '-t', tag, source];
  const started = Date.now();
  const lines: string[] = [];
  let image: string;
  try {
    image = await buildFromDirectory({
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
  const built = await checkBuiltImage(r, image, facts);
  if (built && !load) {
    const fromImage = cronLoad(facts.conf?.serverWideModules, loadableAddons(built).has(QUEUE_JOB));
    if (fromImage) r.log(`queue_job (from the image): the cron runner loads ${fromImage.join(',')}`);
    const id = (
      await r.link.docker
        .getImage(image)
        .inspect()
        .catch(() => null)
    )?.Id;
    if (id) rememberCronLoad(id, fromImage);
  }
  if (load) r.log(`queue_job: the cron runner loads ${load.join(',')} and sends jobs through the edge`);
  return { image, facts: { built, live: live ? await live : null } };
}

/**
 * The authoritative checks (./built-image-check.ts), in one one-off of the image just built: it
 * refuses the image when an addon's dependency or external dependency is missing from it. Returns
 * what the image said; null when it could not be asked (said as a warning, never a refusal).
 */
async function checkBuiltImage(r: BuildRequest, image: string, src: SourceFacts): Promise<ImageFacts | null> {
  const docker = r.link.docker;
  const [installed, liveStamp] = await Promise.all([
    r.env.db === 'managed' ? installedModules(docker, r.audit, r.env.name, r.env.name) : Promise.resolve(null),
    liveModuleStamp(docker, r.liveImage ?? null),
  ]);
  const plan = externalDepsPlan(src, installed, liveStamp);
  const facts = await imageFacts(docker, r.audit, image, plan.deps);
  if (!facts) {
    r.warn(
      `could not list the addons of the built image ${image}: dependencies and external dependencies were not checked`,
    );
    return null;
  }
  if (facts.odoo?.version) r.log(`the built image runs Odoo ${facts.odoo.version}`);
  if (plan.deps.length) r.log(`external dependencies: ${plan.note}`);
  const verdict = builtImageVerdict(src, facts, installed);
  for (const w of verdict.warnings) r.warn(w);
  for (const l of verdict.log) r.log(l);
  if (verdict.refusal) throw new StepFailure({ kind: 'refused', why: verdict.refusal });
  return facts;
}
