// ssh2's exec takes one string that the remote shell parses. Every remote command is built here,
// from an argument array, with POSIX single quotes: inside them nothing is special, and a single
// quote itself is closed, escaped and reopened. NUL cannot be passed through a shell at all.
import { FlipdeckError } from '../../shared/errors';

export function quoteArg(arg: string): string {
  if (arg.includes('\0'))
    throw new FlipdeckError('bad_input', 'a command argument contains a NUL byte', {
      fix: 'remove the NUL byte from the value',
    });
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) && !arg.startsWith('-')) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(argv: string[]): string {
  if (argv.length === 0) throw new FlipdeckError('bad_input', 'empty command');
  return argv.map(quoteArg).join(' ');
}
