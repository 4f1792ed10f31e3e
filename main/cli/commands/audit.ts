// flipdeck audit [--server NAME] [--json] [--verify [--against SERVER/ENV]]
import type { Command } from 'commander';
import type { AuditRecord } from '../../../shared/model';
import { Exit, type ExitCode } from '../exit-codes';
import { asWire, type AuditContext, type CliContext } from '../context';

export function formatAuditLine(r: AuditRecord): string {
  const status = r.ok
    ? 'ok'
    : `FAILED${r.exitCode !== undefined && r.exitCode !== null ? ` (exit ${r.exitCode})` : ''}`;
  const what = r.argv ? r.argv.join(' ') : '';
  return [String(r.seq).padStart(5), r.at, r.actor, r.server ?? '-', r.action, status, what].join('  ').trimEnd();
}

export function registerAuditCommand(
  program: Command,
  run: (fn: (ctx: CliContext) => Promise<ExitCode>) => Promise<void>,
  runAudit: (fn: (ctx: AuditContext) => Promise<ExitCode>) => Promise<void>,
): void {
  program
    .command('audit')
    .description('the local audit history of every remote action')
    .option('--server <name>', 'only this server')
    .option('--json', 'one JSON document on stdout')
    .option('--verify', 'verify the HMAC chain against its anchored head: names what is missing or altered')
    .option('--against <ref>', 'with --verify: also compare with the head this laptop left on SERVER/ENV')
    .action((o: { server?: string; json?: boolean; verify?: boolean; against?: string }) =>
      o.verify
        ? // Only the audit log: a damaged inventory must not stop a verification (--against needs it).
          runAudit(async (a) => {
            const v = await a.audit.verify();
            let remote: { ok: boolean; message: string } | null = null;
            if (o.against) {
              try {
                remote = await (await a.full()).services.deployments.checkAuditHead(o.against);
              } catch (err) {
                const wire = asWire(err);
                remote = { ok: false, message: `cannot compare with ${o.against}: ${wire.message}` };
              }
            }
            if (o.json) a.out(JSON.stringify({ ...v, ...(remote ? { server: remote } : {}) }, null, 2));
            else a.out(remote ? `${v.message}\n${remote.message}` : v.message);
            return v.ok && (remote?.ok ?? true) ? Exit.ok : Exit.failed;
          })
        : run(async (ctx) => {
            const records = await ctx.call('audit.list', { ...(o.server ? { server: o.server } : {}), limit: 5000 });
            if (o.json) ctx.out(JSON.stringify({ records }, null, 2));
            else for (const r of records) ctx.out(formatAuditLine(r));
            return Exit.ok;
          }),
    );
}
