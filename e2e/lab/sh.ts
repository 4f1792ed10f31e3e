// Runs a program with an argument array (never a shell string) and returns its output.
import { execFile, spawn } from 'node:child_process';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; input?: string; allowFail?: boolean; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      { env: opts.env ?? process.env, maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 15 * 60_000 },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : 1
          : 0;
        const r = { code, stdout: String(stdout), stderr: String(stderr) };
        if (code !== 0 && !opts.allowFail)
          reject(
            new Error(`${cmd} ${args.join(' ')} exited ${code}: ${r.stderr.trim().split('\n').slice(-8).join('\n')}`),
          );
        else resolve(r);
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Runs a pipeline `a | b` without a shell. */
export function pipe(a: [string, string[]], b: [string, string[]], env?: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const left = spawn(a[0], a[1], { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    const right = spawn(b[0], b[1], { stdio: ['pipe', 'pipe', 'pipe'], env: env ?? process.env });
    left.stdout.pipe(right.stdin);
    let out = '';
    let err = '';
    left.stderr.on('data', (c: Buffer) => (err += c.toString()));
    right.stdout.on('data', (c: Buffer) => (out += c.toString()));
    right.stderr.on('data', (c: Buffer) => (err += c.toString()));
    let leftCode = 0;
    left.on('close', (c) => (leftCode = c ?? 1));
    right.on('close', (c) => {
      const code = leftCode || (c ?? 1);
      if (code !== 0) reject(new Error(`${a[0]} | ${b[0]} failed (${code}): ${err.trim().slice(-2000)}`));
      else resolve({ code, stdout: out, stderr: err });
    });
  });
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
