// The audit view's filters, as pure code: the host applies them to the log, the renderer names them.
import type { AuditRecord } from './model';

/** An action's family: `deploy.result` → deploy, `edge.flip` → edge, `docker.create` → docker. */
export function actionKind(action: string): string {
  return action.split('.')[0] ?? action;
}

export interface AuditFilter {
  /** Client name; matched through `clientOf(server)`. */
  client?: string | undefined;
  server?: string | undefined;
  environment?: string | undefined;
  kinds?: string[] | undefined;
  deployId?: string | undefined;
  /** Inclusive day or instant bounds, ISO 8601; a bare date `to` covers that whole day. */
  from?: string | undefined;
  to?: string | undefined;
  /** Case-insensitive, in the action, its command and its output. */
  text?: string | undefined;
}

export function deployIdOf(r: AuditRecord): string | undefined {
  const d = r.detail?.['deploy'];
  return typeof d === 'string' ? d : undefined;
}

export function auditMatcher(
  f: AuditFilter,
  clientOf: (server: string | undefined) => string | undefined,
): (r: AuditRecord) => boolean {
  const to = f.to && /^\d{4}-\d\d-\d\d$/.test(f.to) ? `${f.to}T23:59:59.999Z` : f.to;
  const text = f.text?.trim().toLowerCase();
  const kinds = f.kinds && f.kinds.length > 0 ? new Set(f.kinds) : null;
  return (r) =>
    (!f.client || clientOf(r.server) === f.client) &&
    (!f.server || r.server === f.server) &&
    (!f.environment || r.environment === f.environment) &&
    (!kinds || kinds.has(actionKind(r.action))) &&
    (!f.deployId || deployIdOf(r) === f.deployId) &&
    (!f.from || r.at >= f.from) &&
    (!to || r.at <= to) &&
    (!text || `${r.action} ${(r.argv ?? []).join(' ')} ${r.output ?? ''}`.toLowerCase().includes(text));
}
