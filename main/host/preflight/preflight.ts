// The pre-flight of `SERVER/ENV` as the app and the CLI ask for it: the host resolves the target and
// who else shares its database, then the engine gathers the facts once and runs every check.
import type { PreflightCheck } from '../../../shared/deploy';
import { runPreflight } from '../../engine/preflight/run';
import type { ServerFacts } from '../../engine/preflight/server-facts';
import type { Deployments } from '../deploys/deployments';

export async function fullPreflight(
  deployments: Deployments,
  ref: string,
  over: Partial<ServerFacts> = {},
): Promise<PreflightCheck[]> {
  const t = await deployments.target(ref);
  const peers = await deployments.sharingDatabase(t.environment);
  return runPreflight(t, deployments.auditSink(t.server, t.environment.name), { over, peers });
}
