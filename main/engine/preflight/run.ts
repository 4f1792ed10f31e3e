// The pre-flight, in one place: the facts are gathered once (facts.ts), then every check is a pure
// function of them (checks/*). A check that throws becomes a failed check naming the error, never a
// failed pre-flight. The wizard, `flipdeck preflight` and `flipdeck deploy` all run this, and decide
// with the one gate in shared/preflight-gate.ts. Tests may inject facts the lab cannot produce.
import { existsSync } from 'node:fs';
import type { PreflightCheck } from '../../../shared/deploy';
import type { AuditSink } from '../core/server-link';
import { isGitUrl } from '../../../shared/environment';
import { basicChecks, domainsCheck, gatherServerFacts, sessionFacts } from './facts';
import { readSourceFacts } from './source-facts';
import { detectOdooVersion, floorFor, memoryFloorCheck, memoryRoomCheck } from './checks/odoo-version';
import { dbfilterCheck, manifestDependencyCheck, queueJobCheck } from './checks/odoo-source';
import { moduleChanges, modulesCheck, moduleStamp } from './checks/modules';
import { inotifyCheck, publicPortCheck } from './checks/server';
import { baseImageCheck } from './checks/base-image';
import { sessionsCheck } from './checks/sessions';
import { serverModeCheck } from './checks/server-mode';
import { EDGE_TIMING } from '../proxy/haproxy-config';
import type { ServerFacts } from './server-facts';
import type { PreflightTarget } from './target';

export interface PreflightOptions {
  /** Facts that replace what the server says (tests). */
  over?: Partial<ServerFacts>;
  /** Other environments served from the same database (the host knows the inventory). */
  peers?: string[];
}

/** Every check: the server basics, then Odoo's. */
export async function runPreflight(
  t: PreflightTarget,
  audit: AuditSink,
  o: PreflightOptions = {},
): Promise<PreflightCheck[]> {
  const basic = await basicChecks(t);
  return [...basic, ...(await odooPreflight(t, audit, o.over ?? {}, o.peers ?? []))];
}

async function odooPreflight(
  t: PreflightTarget,
  audit: AuditSink,
  over: Partial<ServerFacts> = {},
  peers: string[] = [],
): Promise<PreflightCheck[]> {
  const e = t.environment;
  const local = e.source && !isGitUrl(e.source) && existsSync(e.source) ? e.source : null;
  const src = local ? readSourceFacts(local, e.dockerfile) : null;
  const facts = await gatherServerFacts(t, audit, src, over);
  const version = detectOdooVersion(src, e.odoo_version);
  const safe = (id: string, f: () => PreflightCheck | Promise<PreflightCheck>) =>
    Promise.resolve()
      .then(f)
      .catch((err: unknown): PreflightCheck => ({
        id,
        status: 'fail',
        message: `the check itself failed: ${(err as Error).message}`,
      }));
  const checks: Promise<PreflightCheck>[] = [
    safe('odoo_memory', () =>
      memoryFloorCheck({
        version: version.version,
        versionFrom: version.from,
        memoryLimit: e.resources.memory,
        override: e.resources.memory_override,
        conf: src?.conf ?? null,
        workers: e.workers,
      }),
    ),
    safe('server_mode', () =>
      serverModeCheck({
        liveWorkers: facts.liveWorkers ?? null,
        workers: e.workers,
        conf: src?.conf ?? null,
        httpPort: e.http_port,
        geventPort: e.gevent_port,
        edgeServerTimeoutMs: EDGE_TIMING.serverTimeoutMs,
      }),
    ),
    safe('memory_room', () =>
      memoryRoomCheck({
        availableBytes: facts.memAvailableBytes,
        replicas: e.strategy === 'rolling' ? 1 : e.replicas,
        memoryLimit: e.resources.memory,
        floorMiB: floorFor(version.version),
        liveRunning: facts.liveRunning,
      }),
    ),
    safe('domains', () => domainsCheck(t)),
    safe('dbfilter', () => dbfilterCheck(src, e.name, e.domains)),
    safe('inotify', () => inotifyCheck(facts.inotifyMaxUserWatches)),
    safe('public_port', () => publicPortCheck(e.public_bind, facts.publicPort)),
    safe('base_image', () =>
      !facts.baseImage && !e.image && e.source && isGitUrl(e.source)
        ? {
            id: 'base_image',
            status: 'pass',
            message: 'a git source: its base image is read after the fetch and pulled fresh by the build',
          }
        : baseImageCheck(facts.baseImage, !!e.image),
    ),
    safe('sessions', async () => sessionsCheck(await sessionFacts(t, src, facts.imageAddons, peers))),
  ];
  if (src) {
    checks.push(
      // Early and advisory, from the source and the base image; the build step's check of the image it
      // built is the authority (../deploy/built-image-check.ts: dependencies and external_dependencies).
      safe('manifest_dependencies', () => manifestDependencyCheck(src, facts.imageAddons, facts.installedModules)),
      safe('queue_job', () => queueJobCheck(src, facts.imageAddons)),
      safe('modules', () =>
        modulesCheck(moduleChanges(facts.liveModules, moduleStamp(src.addons), facts.installedModules)),
      ),
    );
  } else {
    const why = e.image ? `a prebuilt image (${e.image})` : 'a git source, read after its fetch in the build step';
    checks.push(
      Promise.resolve<PreflightCheck>({
        id: 'manifest_dependencies',
        status: 'pass',
        message: `${why}: dependencies are checked where the code is${e.image ? '' : ' (the build step checks the image it builds)'}`,
      }),
    );
  }
  return Promise.all(checks);
}
