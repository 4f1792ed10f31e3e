// After the flip: the first page through the edge, timed, with the bundles it references — this is
// also the warm-up, and it happens only once blue takes no new requests (before the flip it would
// delete blue's bundles while blue still serves). At the end, how many bundles were generated during
// the deploy, counted by the cron fence (cron-handover.ts) from the attachment sequence.
import type { DeployRun } from './run';
import { bundleUrls } from '../odoo/asset-bundles';
import { getOver } from '../odoo/worker-probe';
import { EDGE_LISTEN_PORT } from '../proxy/haproxy-config';

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

/** The summary line: bundles generated during the deploy (counted by the cron fence; null on a first deploy, which has none to hand over) and the first page's time. */
export function reportAssets(run: DeployRun, first: FirstPage | null, regenerations: number | null): void {
  if (regenerations !== null) run.log('draining', `asset bundles generated during the deploy: ${regenerations}`);
  run.o.emit({ kind: 'assets', deploy: run.o.deployId, regenerations, firstPageMs: first?.ms ?? null });
}
