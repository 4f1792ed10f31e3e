// A local change recorded in the audit log with its outcome, for every handler that changes local state.
import type { AuditLog } from '../../store/audit-log';

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

export type Recorded = <T>(
  action: string,
  detail: Record<string, unknown>,
  server: string | undefined,
  work: () => Promise<T>,
) => Promise<T>;

/**
 * Runs a local change and records it, success or failure, in the audit log. The caller hears the
 * truth about the change itself: a change that was made is not reported as failed because its
 * record could not be written (that is a warning), and a failure is not masked by its record's.
 */
export function recorder(audit: AuditLog, warn: (message: string) => void): Recorded {
  return async (action, detail, server, work) => {
    const started = Date.now();
    let value;
    try {
      value = await work();
    } catch (err) {
      await audit
        .append({
          action,
          server,
          ok: false,
          durationMs: Date.now() - started,
          detail,
          output: messageOf(err),
        })
        .catch((auditErr: unknown) =>
          warn(`the audit log could not record the failed ${action}: ${messageOf(auditErr)}`),
        );
      throw err;
    }
    try {
      await audit.append({ action, server, ok: true, durationMs: Date.now() - started, detail });
    } catch (auditErr) {
      warn(`${action} was done, but the audit log could not record it: ${messageOf(auditErr)}`);
    }
    return value;
  };
}
