// Server facts that bite Odoo deploys: the inotify watch limit, and whether the public port answers.
import type { PreflightCheck } from '../../../../shared/deploy';

export const INOTIFY_MIN = 65_536;

export function inotifyCheck(maxUserWatches: number | null, min = INOTIFY_MIN): PreflightCheck {
  const id = 'inotify';
  if (maxUserWatches === null)
    return {
      id,
      status: 'warn',
      message: 'could not read fs.inotify.max_user_watches',
      fix: 'check `sysctl fs.inotify.max_user_watches` on the server',
    };
  if (maxUserWatches < min) {
    return {
      id,
      status: 'warn',
      message: `fs.inotify.max_user_watches is ${maxUserWatches}: file watchers (Odoo's dev reload, log shippers) fail once it runs out, and two pools double the count`,
      fix: `raise it: sysctl -w fs.inotify.max_user_watches=${min * 8} (and in /etc/sysctl.d/ to keep it)`,
    };
  }
  return { id, status: 'pass', message: `fs.inotify.max_user_watches is ${maxUserWatches}` };
}

/** The edge's public port, tried from the server itself (and from here when it is not loopback-only). */
export function publicPortCheck(
  bind: string | undefined,
  answered: { fromServer: boolean | null; fromHere: boolean | null },
): PreflightCheck {
  const id = 'public_port';
  if (!bind) return { id, status: 'pass', message: 'no public_bind: reached through its domains' };
  if (answered.fromServer === null)
    return { id, status: 'pass', message: `${bind}: nothing listens yet; the first deploy starts the edge there` };
  if (!answered.fromServer)
    return {
      id,
      status: 'fail',
      message: `${bind} does not answer on the server although the edge runs`,
      fix: 'check the edge container (`docker logs`) and that nothing else took the port',
    };
  if (answered.fromHere === false)
    return {
      id,
      status: 'warn',
      message: `${bind} answers on the server but not from this computer: a firewall closes it`,
      fix: "open the port in the server's firewall (and the provider's), if clients must reach it directly",
    };
  return {
    id,
    status: 'pass',
    message: `${bind} answers${answered.fromHere ? ' on the server and from here' : ' on the server (loopback bind: only the server reaches it)'}`,
  };
}
