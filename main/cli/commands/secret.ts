// flipdeck secret set|list|rm — the local secret store the app and the browser host share. A value is
// read from stdin (a pipe, or typed without echo on a terminal), never from argv: arguments are
// visible to every user of the machine in the process list and stay in shell history.
import type { Command } from 'commander';
import type { SecretStatus } from '../../../shared/model';
import { MAX_SECRET_BYTES } from '../../../shared/validation';
import { checkSecretLength } from '../../store/secret-store';
import { Exit, type ExitCode } from '../exit-codes';
import type { CliContext } from '../context';
import { parseRef } from '../../host/deploys/deployments';
import { UsageError } from './server';

type Run = (fn: (ctx: CliContext) => Promise<ExitCode>) => Promise<void>;

/** Reads a secret's value; `name` is only for the prompt. */
export type ReadSecret = (name: string) => Promise<string>;

export const PIPE_HINT = (name: string) =>
  `pipe the value in, e.g. \`printf %s "$VALUE" | flipdeck secret set ${name}\`, or run it in a terminal to type it without echo`;

/** A value piped in loses one trailing newline (`echo pw | …`): it is never part of a password. */
export function valueFromInput(text: string): string {
  return text.replace(/\r?\n$/, '');
}

/** Stdin as the value: the whole of a pipe, or one line typed on a terminal without echo. */
export const readSecretFromStdin: ReadSecret = async (name) => {
  const stdin = process.stdin;
  if (stdin.isTTY) return readHidden(`value for ${name} (not shown): `);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    // Well past the largest value kept: this is a file piped by mistake.
    if (size > 4 * MAX_SECRET_BYTES) throw new UsageError(`the value of ${name} on stdin is longer than 16 KiB`);
    chunks.push(chunk);
  }
  return valueFromInput(Buffer.concat(chunks).toString('utf8'));
};

function readHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  let value = '';
  return new Promise((resolve, reject) => {
    const finish = (then: () => void) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      then();
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return finish(() => resolve(value));
        if (ch === '\u0003' || ch === '\u0004')
          return finish(() => reject(new UsageError('cancelled: nothing was stored')));
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

function describe(s: SecretStatus): string {
  const state = s.set
    ? `set    from ${s.where}`
    : `unset  (set it with: flipdeck secret set ${s.name}; in CI: ${s.envVar})`;
  return `${s.name}  ${state}${s.usedBy.length ? `  — ${s.usedBy.join(', ')}` : ''}`;
}

export function registerSecretCommands(program: Command, run: Run, readSecret: ReadSecret): void {
  const secret = program
    .command('secret')
    .description(
      'the local secret store shared with the app (encrypted with a key derived from the audit key); FLIPDECK_SECRET_<NAME> overrides it',
    );

  secret
    .command('set <name>')
    .description('store or replace a secret; the value is read from stdin, never from the command line')
    .action((name: string) =>
      run(async (ctx) => {
        const value = await readSecret(name);
        if (value === '')
          throw new UsageError(`no value for ${name} on stdin; nothing was stored\n  fix: ${PIPE_HINT(name)}`);
        checkSecretLength(name, value, 'the value given to flipdeck secret set');
        const s = await ctx.call('secrets.set', { name, value });
        ctx.err(`✓ stored ${name} in the local secret store`);
        if (s.source === 'environment')
          ctx.err(`note: ${s.envVar} is set here and overrides the stored value for this process`);
        return Exit.ok;
      }),
    );

  secret
    .command('list')
    .description('the secrets and where each is read from (never their values)')
    .option('--env <ref>', 'only the secrets SERVER/ENV refers to, set or not')
    .option('--json', 'one JSON document on stdout')
    .action((o: { env?: string; json?: boolean }) =>
      run(async (ctx) => {
        const request = o.env ? parseRef(o.env) : {};
        const list = await ctx.call('secrets.list', request);
        if (o.json) ctx.out(JSON.stringify(list));
        else if (list.length === 0)
          ctx.err(
            o.env ? `${o.env} refers to no secrets` : 'no secrets stored, and no FLIPDECK_SECRET_* variables set',
          );
        else for (const s of list) ctx.out(describe(s));
        return Exit.ok;
      }),
    );

  secret
    .command('rm <name>')
    .description('remove a secret from the local secret store')
    .action((name: string) =>
      run(async (ctx) => {
        const s = await ctx.call('secrets.remove', { name });
        ctx.err(`✓ ${name} is no longer in the local secret store`);
        if (s.set) ctx.err(`note: ${name} is still set from ${s.where}`);
        return Exit.ok;
      }),
    );
}
