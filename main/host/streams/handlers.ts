// The contract's terminal, log and audit-view channels: thin wrappers over TerminalStreams,
// LogStreams and the audit log (filters, one record's full output, the deploy report).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { auditMatcher } from '../../../shared/audit-filter';
import { FlipdeckError } from '../../../shared/errors';
import type { AuditLog } from '../../store/audit-log';
import type { InventoryStore } from '../../store/inventory';
import { deployReportHtml } from '../audit/audit-report';
import type { Handlers } from '../dispatch';
import type { LogStreams } from './log-streams';
import type { TerminalStreams } from './terminal-streams';

export type StreamChannels =
  | 'terminal.open'
  | 'terminal.input'
  | 'terminal.resize'
  | 'terminal.close'
  | 'logs.follow'
  | 'logs.stop'
  | 'audit.list'
  | 'audit.record'
  | 'audit.report';

export function createStreamHandlers(d: {
  home: string;
  inventory: InventoryStore;
  audit: AuditLog;
  terminals: TerminalStreams;
  logs: LogStreams;
}): Pick<Handlers, StreamChannels> {
  const clientOf = (serverName: string | undefined) => {
    const inv = d.inventory.get();
    const server = inv.servers.find((s) => s.name === serverName);
    return server ? inv.clients.find((c) => c.id === server.clientId)?.name : undefined;
  };
  return {
    'terminal.open': async (r) => d.terminals.open(r),
    'terminal.input': async ({ stream, data }) => d.terminals.input(stream, data),
    'terminal.resize': async ({ stream, cols, rows }) => d.terminals.resize(stream, cols, rows),
    'terminal.close': async ({ stream }) => d.terminals.close(stream),
    'logs.follow': async (r) =>
      d.logs.follow({
        server: r.server,
        env: r.env,
        tail: r.tail,
        ...(r.pool ? { pool: r.pool } : {}),
        ...(r.worker ? { worker: r.worker } : {}),
      }),
    'logs.stop': async ({ stream }) => d.logs.stop(stream),
    'audit.list': async ({ limit, ...filter }) => d.audit.list({ limit, match: auditMatcher(filter, clientOf) }),
    'audit.record': async ({ seq }) => d.audit.record(seq),
    'audit.report': async ({ server, env, deployId }) => {
      const records = (
        await d.audit.list({ limit: 5000, match: auditMatcher({ server, environment: env, deployId }, clientOf) })
      ).reverse();
      if (records.length === 0)
        throw new FlipdeckError('not_found', `the audit log has no record of deploy ${deployId} on ${server}/${env}`, {
          fix: 'pick a deploy from the audit history',
        });
      const html = deployReportHtml({
        server,
        env,
        deployId,
        records,
        verification: await d.audit.verify(),
        generatedAt: new Date().toISOString(),
      });
      const fileName = `flipdeck-${server}-${env}-${deployId}.html`.replace(/[^A-Za-z0-9._-]/g, '_');
      const dir = path.join(d.home, 'reports');
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const file = path.join(dir, fileName);
      await writeFile(file, html, { mode: 0o600 });
      return { path: file, html, fileName };
    },
  };
}
