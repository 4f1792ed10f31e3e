// What the pre-flight reads from the server, once per run: host memory and inotify, the addons the
// image ships, the managed database's installed modules, the live image's module stamp, the public
// port, the base image against its registry, the edge, the lock, and how sessions are shared. Each
// read is bounded and null when it cannot tell, so a check says "could not read" rather than guess.
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { PreflightCheck } from '../../../shared/deploy';
import { withTimeout } from '../../../shared/retry';
import { envNames, LABEL } from '../core/names';
import type { AuditSink } from '../core/server-link';
import { readContainerFile } from '../docker/archive';
import { imageAddons } from '../odoo/addons';
import { EDGE_CONFIG_DIR } from '../odoo/container-specs';
import { edgeAdminFor } from '../proxy/edge-admin';
import { DeployLock, lockVerdict, thisProcess } from '../state/lock';
import { StateStore } from '../state/state-store';
import { diskCheck, dockerVersionCheck, edgeChecks, linkCheck, lockCheck } from './checks/basics';
import { OBJECT_STORAGE_ADDONS, type SessionFacts } from './checks/sessions';
import {
  baseImageFacts,
  installedModules,
  liveModuleStamp,
  parseMeminfoAvailable,
  type ServerFacts,
} from './server-facts';
import type { SourceFacts } from './source-facts';
import type { PreflightTarget } from './target';

function tcpAnswers(open: () => Promise<Duplex>, timeoutMs = 3000): Promise<boolean> {
  return withTimeout(
    () =>
      open().then(
        (s) => (s.destroy(), true),
        () => false,
      ),
    timeoutMs,
  ).catch(() => false);
}

/** Reads every server fact the checks need; `over` replaces any of them (tests). */
export async function gatherServerFacts(
  t: PreflightTarget,
  audit: AuditSink,
  src: SourceFacts | null,
  over: Partial<ServerFacts> = {},
): Promise<ServerFacts> {
  const e = t.environment;
  const docker = t.link.docker;
  const state = await new StateStore(docker, e.name).read();
  const image = e.image ?? src?.baseImage ?? null;
  const edgeRunning =
    (
      await docker
        .getContainer(envNames(e.name).edge)
        .inspect()
        .catch(() => null)
    )?.State.Running ?? false;
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
    const [bindHost, port] = [
      e.public_bind.slice(0, e.public_bind.lastIndexOf(':')),
      Number(e.public_bind.split(':').pop()),
    ];
    const local = bindHost === '0.0.0.0' || bindHost === '' ? '127.0.0.1' : bindHost;
    const fromServer = await tcpAnswers(() => t.link.forwardTcp(local, port));
    const loopback = /^127\./.test(local) || local === 'localhost';
    const hereHost = bindHost === '0.0.0.0' || bindHost === '' ? t.server.host : bindHost;
    const fromHere =
      loopback || t.server.kind === 'local'
        ? null
        : await tcpAnswers(
            () =>
              new Promise((res, rej) => {
                const s = net.connect(port, hereHost, () => res(s));
                s.once('error', rej);
              }),
          );
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
    liveWorkers: await liveWorkersOf(t, state.live),
    publicPort,
    baseImage: base,
    ...over,
  };
}

/** Who else serves this database, how sessions and attachments are shared, and what the containers mount. */
export async function sessionFacts(
  t: PreflightTarget,
  src: SourceFacts | null,
  imageAddons: Set<string> | null,
  peers: string[],
): Promise<SessionFacts> {
  const e = t.environment;
  const names = envNames(e.name);
  const addons = new Set([...(src?.addons.map((a) => a.name) ?? []), ...(imageAddons ?? [])]);
  const redis = e.env['ODOO_SESSION_REDIS'];
  const redisOn = redis !== undefined && (typeof redis === 'object' || /^(1|true|yes)$/i.test(String(redis)));
  const redisHost = e.env['ODOO_SESSION_REDIS_HOST'];
  const sessionStore = redisOn
    ? `session_redis${typeof redisHost === 'string' ? ` at ${redisHost}` : ''}${addons.size > 0 && !addons.has('session_redis') ? ', though the addon was not found' : ''}`
    : null;
  const storage = OBJECT_STORAGE_ADDONS.find((a) => addons.has(a));
  let filestore: SessionFacts['filestore'] = storage
    ? { shared: true, how: `attachments in object storage (${storage})` }
    : { shared: false, how: `local volume ${names.dataVolume}` };
  const volume = await t.link.docker
    .getVolume(names.dataVolume)
    .inspect()
    .catch(() => null);
  const type = volume?.Options?.['type'];
  if (!storage && volume && (volume.Driver !== 'local' || /^(nfs4?|cifs)$/.test(type ?? '')))
    filestore = { shared: true, how: `volume ${names.dataVolume} on ${volume.Driver}${type ? ` (${type})` : ''}` };
  const containers = await t.link.docker.listContainers({
    all: true,
    filters: { label: [`${LABEL.environment}=${e.name}`] },
  });
  const mounts = containers
    .filter((c) => c.Labels[LABEL.role] === 'web' || c.Labels[LABEL.role] === 'cron')
    .map((c) => ({
      container: c.Names[0]?.replace(/^\//, '') ?? c.Id,
      volume: c.Mounts.find((m) => m.Destination === '/var/lib/odoo')?.Name ?? null,
    }));
  return { dataVolume: names.dataVolume, peers, sessionStore, filestore, mounts: containers.length ? mounts : null };
}

/** Every domain of the environment must be in the edge's routing: a missing one is a silent 404. */
export async function domainsCheck(t: PreflightTarget): Promise<PreflightCheck> {
  const e = t.environment;
  const id = 'domains';
  if (e.domains.length === 0) return { id, status: 'pass', message: 'no domains: served on public_bind for any Host' };
  const cfg = await readContainerFile(t.link.docker, envNames(e.name).edge, `${EDGE_CONFIG_DIR}/haproxy.cfg`).catch(
    () => null,
  );
  if (cfg === null)
    return {
      id,
      status: 'pass',
      message: `${e.domains.join(', ')}: the first deploy writes the edge's routing for them`,
    };
  const acl = /acl known_domain [^\n]* -m str ([^\n]+)/.exec(cfg)?.[1]?.split(/\s+/) ?? [];
  const missing = e.domains.filter((d) => !acl.includes(d.toLowerCase()));
  if (missing.length > 0)
    return {
      id,
      status: 'warn',
      message: `the running edge does not route ${missing.join(', ')} yet (it answers 404 there)`,
      fix: "this deploy rewrites the edge's routing (a hitless reload); check the domain's DNS points at this server",
    };
  return { id, status: 'pass', message: `the edge routes every domain: ${e.domains.join(', ')}` };
}

/** The basics (link, Docker, disk, edge, port, lock), each read once. */
export async function basicChecks(t: PreflightTarget, now = Date.now()): Promise<PreflightCheck[]> {
  const e = t.environment;
  const docker = t.link.docker;
  const [version, info, edgeInfo, lock] = await Promise.all([
    docker.version(),
    docker.info() as Promise<{ DockerRootDir?: string }>,
    docker
      .getContainer(envNames(e.name).edge)
      .inspect()
      .catch(() => null),
    new DeployLock(docker, e.name, e.edge_image).read(),
  ]);
  const free = info.DockerRootDir ? await t.freeBytes(info.DockerRootDir).catch(() => null) : null;
  const answers = edgeInfo?.State.Running
    ? await edgeAdminFor(t.link, e.name, e.replicas)
        .run(['show info'])
        .then(
          () => true,
          () => false,
        )
    : false;
  const port = e.public_bind ? Number(e.public_bind.split(':').pop()) : null;
  const taken =
    !edgeInfo && port !== null
      ? (await docker.listContainers()).find((c) => c.Ports.some((p) => p.PublicPort === port))
      : undefined;
  return [
    linkCheck(t.server),
    dockerVersionCheck(version),
    diskCheck(info.DockerRootDir ?? '?', free),
    ...edgeChecks({
      edge: edgeInfo ? { running: edgeInfo.State.Running, answers } : null,
      publicBind: e.public_bind,
      portTakenBy: taken ? (taken.Names[0]?.slice(1) ?? taken.Id) : null,
    }),
    lockCheck(
      lock ? { holder: lock.holder, since: lock.since, live: lockVerdict(lock, now, thisProcess()).live } : null,
    ),
  ];
}

/** The `workers` the live pool runs, from its workers' label (absent: started before Flipdeck passed it, so 0). */
async function liveWorkersOf(t: PreflightTarget, live: string | null): Promise<number | null> {
  if (!live) return null;
  const list = await t.link.docker
    .listContainers({
      all: true,
      filters: { label: [`${LABEL.environment}=${t.environment.name}`, `${LABEL.role}=web`, `${LABEL.pool}=${live}`] },
    })
    .catch(() => null);
  const label = list?.[0]?.Labels[LABEL.workers];
  if (!list || list.length === 0) return null;
  return label !== undefined && /^\d+$/.test(label) ? Number(label) : 0;
}
