// flipdeck restore SERVER/ENV [BACKUP] — lists the backups schema-changing deploys kept on the
// server, or restores one (after a rollback: the live code must match the backup's schema).
import type { Command } from 'commander';
import { backups, restore } from '../../host/deploys/restore';
import { Exit, type ExitCode } from '../exit-codes';
import type { CliContext } from '../context';

type Run = (fn: (ctx: CliContext) => Promise<ExitCode>) => Promise<void>;

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

export function registerRestoreCommand(program: Command, run: Run): void {
  program
    .command('restore <ref> [backup]')
    .description(
      'list the database backups of SERVER/ENV, or restore one (the current database is renamed aside, not dropped)',
    )
    .option('--yes', 'confirm replacing the database')
    .option('--json', 'one JSON document on stdout')
    .action((ref: string, backup: string | undefined, o: { yes?: boolean; json?: boolean }) =>
      run(async (ctx) => {
        const deployments = ctx.services.deployments;
        if (backup === undefined) {
          const list = await backups(deployments, ref);
          if (o.json) ctx.out(JSON.stringify(list));
          else if (list.backups.length === 0)
            ctx.err('no backups on the server: only schema-changing deploys take one');
          else
            for (const b of list.backups)
              ctx.out(
                `${b.name}  ${mib(b.bytes)}  ${b.at}${b.deployId ? `  before deploy ${b.deployId}` : ''}${b.name === list.suggested ? '  ← taken before the kept pool was migrated' : ''}`,
              );
          return Exit.ok;
        }
        if (!o.yes) {
          ctx.err(
            `refused: restoring ${backup} replaces the database of ${ref} (the data written since the backup is no longer live; the current database is kept aside). Re-run with --yes.`,
          );
          return Exit.refused;
        }
        const out = await restore(deployments, ref, backup, (l) => ctx.err(`  ${l}`));
        if (o.json) ctx.out(JSON.stringify({ ok: true, ...out }));
        ctx.err(
          `✓ restored ${out.backup} (maintenance page for ${(out.windowMs / 1000).toFixed(1)} s); the database as it was is kept as ${out.keptAs}${out.removedKept ? `; the kept ${out.removedKept} pool was removed` : ''}`,
        );
        return Exit.ok;
      }),
    );
}
