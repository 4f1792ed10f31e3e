// The headless CLI over the same host services as the app. Exit codes: 0 done, 1 failed,
// 2 bad input or usage, 3 refused. Human progress goes to stderr; --json documents to stdout.
import { Command, CommanderError } from 'commander';
import { APP_VERSION } from '../host/version';
import { Exit, exitCodeFor, type ExitCode } from './exit-codes';
import { asWire, openAuditContext, openContext, type AuditContext, type CliContext } from './context';
import { registerServerCommands, UsageError } from './commands/server';
import { registerAuditCommand } from './commands/audit';
import { registerDeployCommands } from './commands/deploy';
import { registerRestoreCommand } from './commands/restore';
import { readSecretFromStdin, registerSecretCommands, type ReadSecret } from './commands/secret';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** A secret's value for `secret set` (stdin by default). */
  readSecret?: ReadSecret;
}

const stdio: CliIo = {
  out: (t) => process.stdout.write(t + '\n'),
  err: (t) => process.stderr.write(t + '\n'),
};

export async function main(argv: string[], io: CliIo = stdio): Promise<ExitCode> {
  let code: ExitCode = Exit.ok;
  const runWith = async <C>(
    open: (opened: (ctx: CliContext) => void) => Promise<C>,
    fn: (ctx: C) => Promise<ExitCode>,
  ) => {
    let ctx: CliContext | undefined;
    try {
      code = await fn(await open((c) => (ctx = c)));
    } catch (err) {
      // Through the context once it exists, so the error passes the redactor like any other output.
      const say = ctx?.err ?? io.err;
      if (err instanceof UsageError) {
        say(`error: ${err.message}`);
        code = Exit.usage;
      } else {
        const wire = asWire(err);
        say(`error: ${wire.message}${wire.fix ? `\n  fix: ${wire.fix}` : ''}`);
        code = exitCodeFor(wire);
      }
    } finally {
      await (ctx as CliContext | undefined)?.services.close();
    }
  };
  const run = (fn: (ctx: CliContext) => Promise<ExitCode>) =>
    runWith(async (opened) => {
      const ctx = await openContext(io);
      opened(ctx);
      return ctx;
    }, fn);
  const runAudit = (fn: (ctx: AuditContext) => Promise<ExitCode>) =>
    runWith((opened) => openAuditContext(io, opened), fn);

  const program = new Command('flipdeck')
    .description('Zero-downtime blue-green Odoo deploys over SSH')
    .version(APP_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  registerServerCommands(program, run);
  registerAuditCommand(program, run, runAudit);
  registerDeployCommands(program, run);
  registerRestoreCommand(program, run);
  registerSecretCommands(program, run, io.readSecret ?? readSecretFromStdin);

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? Exit.ok : Exit.usage;
    }
    throw err;
  }
  return code;
}
