// The Odoo pre-flight: what the source and the server say, read through one probe module
// (engine/preflight/server-facts.ts), judged by one check per concern (engine/preflight/checks/*).
// A check that cannot read its fact warns; one that throws becomes a failed check naming the error,
// never a failed pre-flight. Tests may inject facts the lab cannot produce (a full disk, low limits).
import { existsSync } from 'node:fs';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { PreflightCheck } from '../../shared/deploy';
import { isGitUrl } from '../engine/deploy/git-source';
import { envNames, LABEL } from '../engine/core/names';
import { readContainerFile } from '../engine/docker/archive';
import { EDGE_CONFIG_DIR } from '../engine/odoo/container-specs';
import { StateStore } from '../engine/state/state-store';
import { readSourceFacts, type SourceFacts } from '../engine/preflight/source-facts';
import { detectOdooVersion, floorFor, memoryFloorCheck, memoryRoomCheck } from '../engine/preflight/checks/odoo-version';
import { dbfilterCheck, manifestDependencyCheck, queueJobCheck } from '../engine/preflight/checks/odoo-source';
import { moduleChanges, modulesCheck, moduleStamp } from '../engine/preflight/checks/modules';
import { inotifyCheck, publicPortCheck } from '../engine/preflight/checks/server';
import { baseImageCheck } from '../engine/preflight/checks/base-image';
import { OBJECT_STORAGE_ADDONS, sessionsCheck, type SessionFacts } from '../engine/preflight/checks/sessions';
import { baseImageFacts, installedModules, liveModuleStamp, parseMeminfoAvailable, type ServerFacts } from '../engine/preflight/server-facts';
import type { AuditSink } from '../engine/core/server-link';
import type { Deployments, Target } from './deployments';
import { basicPreflight } from './env-ops';
import { imageAddons } from '../engine/odoo/addons';

function tcpAnswers(open: () => Promise<Duplex>, timeoutMs = 3000): Promise<boolean> {
  return Promise.race([
    open().then((s) => (s.destroy(), true), () => false),
    new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs)),
  ]);
}

/** Reads every server fact the checks need; `over` replaces any of them (tests). */
export async function gatherServerFacts(t: Target, audit: AuditSink, src: SourceFacts | null, over: Partial<ServerFacts> = {}): Promise<ServerFacts> {
  const e = t.environment;
  const docker = t.link.docker;
  const state = await new StateStore(docker, e.name).read();
  const image = e.image ?? src?.baseImage ?? null;
  const edgeRunning = (await docker.getContainer(envNames(e.name).edge).inspect().catch(() => null))?.State.Running ?? false;
  const [host, inotify, addons, installed, live, base] = await Promise.all([
    'memAvailableBytes' in over ? null : t.readHostFile('/proc/meminfo'),
    'inotifyMaxUserWatches' in over ? null : t.readHostFile('/proc/sys/fs/inotify/max_user_watches'),
    'imageAddons' in over || !image ? null : imageAddons(docker, audit, image),
    'installedModules' in over || e.db !== 'managed' ? null : installedModules(docker, audit, e.name, e.name),
    'liveModules' in over ? null : liveModuleStamp(docker, state.liveImage),
    'baseImage' in over || !image || image.includes('$') ? null : baseImageFacts(docker, audit, image),
  ]);
  let publicPort: ServerFacts['publicPort'] = { fromServer: null, fromHere: null };
  if (e.public_bind && edgeRunning) {
    const [bindHost, port] = [e.public_bind.slice(0, e.public_bind.lastIndexOf(':')), Number(e.public_bind.split(':').pop())];
    const local = bindHost === '0.0.0.0' || bindHost === '' ? '127.0.0.1' : bindHost;
    const fromServer = await tcpAnswers(() => t.link.forwardTcp(local, port));
    const loopback = /^127\./.test(local) || local === 'localhost';
    const hereHost = bindHost === '0.0.0.0' || bindHost === '' ? t.server.host : bindHost;
    const fromHere = loopback || t.server.kind === 'local' ? null : await tcpAnswers(() => new Promise((res, rej) => {
      const s = net.connect(port, hereHost, () => res(s));
      s.once('error', rej);
    }));
    publicPort = { fromServer, fromHere };
  }
  const inotifyValue = inotify === null ? null : Number(inotify.trim());
  return {
    memAvailableBytes: host === null ? null : parseMeminfoAvailable(host),
    inotifyMaxUserWatches: inotifyValue !== null && Number.isFinite(inotifyValue) ? inotifyValue : null,
    imageAddons: addons,
    installedModules: installed,
    liveModules: live,
    liveRunning: state.live !== null,
    publicPort,
    baseImage: base,
    ...over,
  };
}

/** Who else serves this database, how sessions and attachments are shared, and what the containers mount. */
async function sessionFacts(t: Target, src: SourceFacts | null, imageAddons: Set<string> | null, peers: string[]): Promise<SessionFacts> {
  const e = t.environment;
  const names = envNames(e.name);
  const addons = new Set([...(src?.addons.map((a) => a.name) ?? []), ...(imageAddons ?? [])]);
  const redis = e.env['ODOO_SESSION_REDIS'];
  const redisOn = redis !== undefined && (typeof redis === 'object' || /^(1|true|yes)$/i.test(String(redis)));
  const redisHost = e.env['ODOO_SESSION_REDIS_HOST'];
  const sessionStore = redisOn ? `session_redis${typeof redisHost === 'string' ? ` at ${redisHost}` : ''}${addons.size > 0 && !addons.has('session_redis') ? ', though the addon was not found' : ''}` : null;
  const storage = OBJECT_STORAGE_ADDONS.find((a) => addons.has(a));
  let filestore: SessionFacts['filestore'] = storage ? { shared: true, how: `attachments in object storage (${storage})` } : { shared: false, how: `local volume ${names.dataVolume}` };
  const volume = await t.link.docker.getVolume(names.dataVolume).inspect().catch(() => null);
  const type = volume?.Options?.['type'];
  if (!storage && volume && (volume.Driver !== 'local' || /^(nfs4?|cifs)$/.test(type ?? ''))) filestore = { shared: true, how: `volume ${names.dataVolume} on ${volume.Driver}${type ? ` (${type})` : ''}` };
  const containers = await t.link.docker.listContainers({ all: true, filters: { label: [`${LABEL.environment}=${e.name}`] } });
  const mounts = containers.filter((c) => c.Labels[LABEL.role] === 'web' || c.Labels[LABEL.role] === 'cron').map((c) => ({
    container: c.Names[0]?.replace(/^\//, '') ?? c.Id,
    volume: c.Mounts.find((m) => m.Destination === '/var/lib/odoo')?.Name ?? null,
  }));
  return { dataVolume: names.dataVolume, peers, sessionStore, filestore, mounts: containers.length ? mounts : null };
}

/** Every domain of the environment must be in the edge's routing: a missing one is a silent 404. */
async function domainsCheck(t: Target): Promise<PreflightCheck> {
  const e = t.environment;
  const id = 'domains';
  if (e.domains.length === 0) return { id, status: 'pass', message: 'no domains: served on public_bind for any Host' };
  const cfg = await readContainerFile(t.link.docker, envNames(e.name).edge, `${EDGE_CONFIG_DIR}/haproxy.cfg`).catch(() => null);
  if (cfg === null) return { id, status: 'pass', message: `${e.domains.join(', ')}: the first deploy writes the edge's routing for them` };
  const acl = /acl known_domain [^\n]* -m str ([^\n]+)/.exec(cfg)?.[1]?.split(/\s+/) ?? [];
  const missing = e.domains.filter((d) => !acl.includes(d.toLowerCase()));
  if (missing.length > 0) return { id, status: 'warn', message: `the running edge does not route ${missing.join(', ')} yet (it answers 404 there)`, fix: 'this deploy rewrites the edge\'s routing (a hitless reload); check the domain\'s DNS points at this server' };
  return { id, status: 'pass', message: `the edge routes every domain: ${e.domains.join(', ')}` };
}

export async function odooPreflight(t: Target, audit: AuditSink, over: Partial<ServerFacts> = {}, peers: string[] = []): Promise<PreflightCheck[]> {
  const e = t.environment;
  const local = e.source && !isGitUrl(e.source) && existsSync(e.source) ? e.source : null;
  const src = local ? readSourceFacts(local, e.dockerfile) : null;
  const facts = await gatherServerFacts(t, audit, src, over);
  const version = detectOdooVersion(src, e.odoo_version);
  const safe = (id: string, f: () => PreflightCheck | Promise<PreflightCheck>) =>
    Promise.resolve().then(f).catch((err: unknown): PreflightCheck => ({ id, status: 'fail', message: `the check itself failed: ${(err as Error).message}` }));
  const checks: Promise<PreflightCheck>[] = [
    safe('odoo_memory', () => memoryFloorCheck({ version: version.version, versionFrom: version.from, memoryLimit: e.resources.memory, override: e.resources.memory_override, conf: src?.conf ?? null })),
    safe('memory_room', () => memoryRoomCheck({ availableBytes: facts.memAvailableBytes, replicas: e.strategy === 'rolling' ? 1 : e.replicas, memoryLimit: e.resources.memory, floorMiB: floorFor(version.version), liveRunning: facts.liveRunning })),
    safe('domains', () => domainsCheck(t)),
    safe('dbfilter', () => dbfilterCheck(src, e.name, e.domains)),
    safe('inotify', () => inotifyCheck(facts.inotifyMaxUserWatches)),
    safe('public_port', () => publicPortCheck(e.public_bind, facts.publicPort)),
    safe('base_image', () => (!facts.baseImage && !e.image && e.source && isGitUrl(e.source)
      ? { id: 'base_image', status: 'pass', message: 'a git source: its base image is read after the fetch and pulled fresh by the build' }
      : baseImageCheck(facts.baseImage, !!e.image))),
    safe('sessions', async () => sessionsCheck(await sessionFacts(t, src, facts.imageAddons, peers))),
  ];
  if (src) {
    checks.push(
      safe('manifest_dependencies', () => manifestDependencyCheck(src, facts.imageAddons, facts.installedModules)),
      safe('queue_job', () => queueJobCheck(src, facts.imageAddons)),
      safe('modules', () => modulesCheck(moduleChanges(facts.liveModules, moduleStamp(src.addons), facts.installedModules))),
    );
  } else {
    const why = e.image ? `a prebuilt image (${e.image})` : 'a git source, read after its fetch in the build step';
    checks.push(Promise.resolve<PreflightCheck>({ id: 'manifest_dependencies', status: 'pass', message: `${why}: dependencies are checked where the code is` }));
  }
  return Promise.all(checks);
}

/** The whole pre-flight the wizard and `flipdeck preflight` show: the basic server checks, then Odoo's. */
export async function fullPreflight(deployments: Deployments, ref: string, over: Partial<ServerFacts> = {}): Promise<PreflightCheck[]> {
  const t = await deployments.target(ref);
  const basic = await basicPreflight(t);
  const peers = await deployments.sharingDatabase(t.environment);
  return [...basic, ...(await odooPreflight(t, deployments.auditSink(t.server, t.environment.name), over, peers))];
}
