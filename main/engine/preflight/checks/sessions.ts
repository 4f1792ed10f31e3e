// Sessions and filestore: Odoo keeps both under its data dir. One server: both pools and the cron
// runner mount the same data volume, so logins and attachments survive the flip. Several servers
// serving one database (an external database shared by environments on different servers, behind
// one load balancer): each has its own data volume, so a visitor bounced between them is logged out
// on every request (the login loop) and attachments written on one are missing on the other.
import type { PreflightCheck } from '../../../../shared/deploy';

export interface SessionFacts {
  dataVolume: string;
  /** Other environments (SERVER/ENV) whose external database is this one's. */
  peers: string[];
  /** How sessions are shared, when they are (session_redis and its settings); null: files in the data volume. */
  sessionStore: string | null;
  /** Whether attachments are shared: object storage modules, or a network-backed data volume. */
  filestore: { shared: boolean; how: string };
  /** The data dir of each live worker and of the cron runner: the volume mounted at /var/lib/odoo. */
  mounts: { container: string; volume: string | null }[] | null;
}

/** Addons that move attachments out of the local filestore (OCA storage, camptocamp cloud platform). */
export const OBJECT_STORAGE_ADDONS = [
  'fs_attachment',
  'attachment_s3',
  'attachment_azure',
  'attachment_swift',
  'base_attachment_object_storage',
];

export function sessionsCheck(f: SessionFacts): PreflightCheck {
  const id = 'sessions';
  const stray = f.mounts?.filter((m) => m.volume !== f.dataVolume) ?? [];
  if (stray.length > 0) {
    return {
      id,
      status: 'fail',
      message: `${stray.map((m) => `${m.container} mounts ${m.volume ?? 'nothing'}`).join(', ')} at /var/lib/odoo instead of ${f.dataVolume}: sessions and attachments would differ between pools`,
      fix: 'redeploy the environment so every container is created from its spec again',
    };
  }
  if (f.peers.length === 0) {
    return {
      id,
      status: 'pass',
      message: `one server: both pools and the cron runner mount ${f.dataVolume} (sessions and filestore), so logins and attachments survive the flip`,
    };
  }
  const where = `${f.peers.join(', ')} serve${f.peers.length === 1 ? 's' : ''} the same database from another data volume`;
  if (!f.sessionStore) {
    return {
      id,
      status: 'fail',
      message: `${where}: sessions are files in each server's data volume, so a visitor whose requests reach both is logged out on every request (the login loop)`,
      fix: "share sessions: camptocamp's session_redis in server_wide_modules with ODOO_SESSION_REDIS=1 and ODOO_SESSION_REDIS_HOST in the environment (both servers), or serve this database from one server",
    };
  }
  if (!f.filestore.shared) {
    return {
      id,
      status: 'fail',
      message: `${where}: sessions are shared (${f.sessionStore}) but the filestore is not (${f.filestore.how}): attachments written on one server are missing on the other`,
      fix: `store attachments in object storage (${OBJECT_STORAGE_ADDONS.slice(0, 2).join(' or ')}), or back the data volume with NFS on every server`,
    };
  }
  return {
    id,
    status: 'pass',
    message: `${where}: sessions shared (${f.sessionStore}), filestore shared (${f.filestore.how})`,
  };
}
