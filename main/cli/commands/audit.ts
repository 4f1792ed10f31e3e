// flipdeck audit [--server NAME] [--json] [--verify]
import type { Command } from 'commander';
import type { AuditRecord } from '../../../shared/model';
import { Exit, type ExitCode } from '../exit-codes';
import type { CliContext } from '../context';

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
): void {
  program
    .command('audit')
    .description('the local audit history of every remote action')
    .option('--server <name>', 'only this server')
    .option('--json', 'one JSON document on stdout')
    .option('--verify', 'verify the HMAC chain')
    .option('--against <ref>', 'with --verify: also compare with the head this laptop left on SERVER/ENV')
    .action((o: { server?: string; json?: boolean; verify?: boolean; against?: string }) =>
      run(async (ctx) => {
        if (o.verify) {
          const v = await ctx.call('audit.verify', {});
          const remote = o.against ? await ctx.services.deployments.checkAuditHead(o.against) : null;
          if (o.json) ctx.out(JSON.stringify({ ...v, ...(remote ? { server: remote } : {}) }, null, 2));
          else ctx.out(remote ? `${v.message}\n${remote.message}` : v.message);
          return v.ok && (remote?.ok ?? true) ? Exit.ok : Exit.failed;
        }
        const records = await ctx.call('audit.list', { ...(o.server ? { server: o.server } : {}), limit: 5000 });
        if (o.json) ctx.out(JSON.stringify({ records }, null, 2));
        else for (const r of records) ctx.out(formatAuditLine(r));
        return Exit.ok;
      }),
    );
}
