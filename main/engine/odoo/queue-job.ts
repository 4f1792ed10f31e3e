// OCA queue_job wiring. Its job runner starts in every Odoo that loads queue_job server-wide, and
// two runners dispatch the same jobs, so exactly one must run: the environment's cron runner, which
// is swapped at the flip like crons are. Web workers are told `ODOO_QUEUE_JOB_CHANNELS=root:0` (the
// runner's own off switch), which holds even when the project's odoo.conf loads queue_job
// server-wide. The cron runner serves no HTTP, so its runner must send jobs elsewhere: to the edge,
// which forwards them to whichever pool is live.
import type Docker from 'dockerode';
import type { AuditSink } from '../core/server-link';
import { EDGE_LISTEN_PORT } from '../proxy/haproxy-config';
import { imageAddons } from './addons';

export const QUEUE_JOB = 'queue_job';
/**
 * On images Flipdeck built whose source holds queue_job: the cron runner's `--load` (JSON list).
 * Images built before may carry "" (no queue_job); without the label the image itself is asked.
 */
export const CRON_LOAD_LABEL = 'io.flipdeck.cron-load';
/** Odoo's default server_wide_modules. */
const ODOO_DEFAULT_LOAD = ['base', 'web'];

/** The cron runner's server-wide modules: the project's (else Odoo's default) plus queue_job; null without queue_job. */
export function cronLoad(serverWide: string[] | undefined, hasQueueJob: boolean): string[] | null {
  if (!hasQueueJob) return null;
  const base = serverWide && serverWide.length > 0 ? serverWide : ODOO_DEFAULT_LOAD;
  return base.includes(QUEUE_JOB) ? base : [...base, QUEUE_JOB];
}

/** The runner's settings in the cron runner: dispatch through the edge, on the environment network. */
export function runnerEnv(edgeName: string): string[] {
  return [`ODOO_QUEUE_JOB_HOST=${edgeName}`, `ODOO_QUEUE_JOB_PORT=${EDGE_LISTEN_PORT}`, 'ODOO_QUEUE_JOB_SCHEME=http'];
}

export const WEB_WORKER_RUNNER_OFF = 'ODOO_QUEUE_JOB_CHANNELS=root:0';

export function parseCronLoad(label: string | undefined): string[] | null | undefined {
  if (label === undefined) return undefined;
  if (label === '') return null;
  try {
    const list = JSON.parse(label) as unknown;
    return Array.isArray(list) && list.every((m) => typeof m === 'string' && /^[a-z0-9_]+$/.test(m))
      ? (list as string[])
      : undefined;
  } catch {
    return undefined;
  }
}

const known = new Map<string, string[] | null>();

/**
 * What the build step learnt from the image it built (queue_job pip-installed or in the base image):
 * a label is written before the build, so an image whose queue_job is not in the source carries none,
 * and its cron runner's `--load` is remembered here by image id instead of being listed again.
 */
export function rememberCronLoad(imageId: string, load: string[] | null): void {
  known.set(imageId, load);
}

/**
 * What an image's cron runner loads: the label of an image Flipdeck built, else (a prebuilt image)
 * the addons the image ships, listed once per image id. A list that cannot be read means no queue_job.
 */
export async function cronLoadOf(docker: Docker, audit: AuditSink, image: string): Promise<string[] | null> {
  const info = await docker.getImage(image).inspect();
  const fromLabel = parseCronLoad(info.Config?.Labels?.[CRON_LOAD_LABEL]);
  if (fromLabel !== undefined) return fromLabel;
  if (known.has(info.Id)) return known.get(info.Id)!;
  const addons = await imageAddons(docker, audit, image);
  const load = cronLoad(undefined, !!addons?.has(QUEUE_JOB));
  if (addons) known.set(info.Id, load);
  return load;
}
