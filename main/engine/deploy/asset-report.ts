// After the flip: the first page through the edge, timed, with the bundles it references — this is
// also the warm-up, and it happens only once blue takes no new requests (before the flip it would
// delete blue's bundles while blue still serves). At the end, how many bundles were generated during
// the deploy (ir_attachment rows for /web/assets/ created since it began).
import type { DeployRun } from './run';
import { ATTACHMENT_MARK_SQL, bundleUrls, otherAttachmentsSql, parseMarks } from '../odoo/asset-bundles';
import { getOver } from '../odoo/worker-probe';
import { EDGE_LISTEN_PORT } from '../proxy/haproxy-config';
import { withPasswordFile } from '../odoo/container-specs';

export interface FirstPage {
  ms: number;
  bundles: number;
}

export async function firstPageAfterFlip(run: DeployRun): Promise<FirstPage | null> {
  const ip = await run.edgeAddress();
  if (!ip) return null;
  const host = run.o.env.domains[0] ?? 'localhost';
  const open = () => run.o.link.forwardTcp(ip, EDGE_LISTEN_PORT);
  const signal = new AbortController().signal;
  const started = run.clock.now();
  try {
    const page = await getOver(open, '/web/login', host, 30_000, signal);
    const urls = bundleUrls(page.body);
    for (const url of urls) await getOver(open, url, host, 60_000, signal);
    const first = { ms: run.clock.now() - started, bundles: urls.length };
    run.log('flipping', `first page after the flip: ${first.ms} ms (with its ${first.bundles} asset bundle(s))`);
    return first;
  } catch (err) {
    run.log('flipping', `first page after the flip: no answer (${(err as Error).message})`);
    return null;
  }
}

/** Bundles generated since `mark` (the attachment sequence before the new pool started); null when it cannot tell. */
export async function bundlesGenerated(run: DeployRun, mark: number | null): Promise<number | null> {
  if (mark === null) return null;
  const ctx = await run.context();
  const db = ctx.db;
  const conn = ['psql', '-h', db.host, '-p', String(db.port), '-U', db.user, '-d', db.name, '-tA'];
  const out = await run.pools
    .runOnce(ctx, 'bundles', [], 60_000, {
      command: withPasswordFile([...conn, '-c', ATTACHMENT_MARK_SQL, '-c', otherAttachmentsSql(mark)]),
      env: ['PGCONNECT_TIMEOUT=10'],
    })
    .catch(() => null);
  if (!out || out.exitCode !== 0) return null;
  const now = parseMarks(out.output);
  return now.mark !== null && now.other !== null ? Math.max(0, now.mark - mark - now.other) : null;
}

export async function reportAssets(run: DeployRun, first: FirstPage | null): Promise<void> {
  const regenerations = await bundlesGenerated(run, run.attachmentMark);
  if (regenerations !== null) run.log('draining', `asset bundles generated during the deploy: ${regenerations}`);
  run.o.emit({
    kind: 'assets',
    deploy: run.o.deployId,
    regenerations,
    firstPageMs: first?.ms ?? null,
  });
}
