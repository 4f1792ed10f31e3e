// Lab processes are started detached with a pid file and stopped by that pid, never by name.
import { spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { pidAlive, sleep } from './sh';

export function readPid(file: string): number | null {
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 1 ? pid : null;
}

export function runningPid(file: string): number | null {
  const pid = readPid(file);
  return pid && pidAlive(pid) ? pid : null;
}

/** Starts a detached process (own session) logging to `log`; writes its pid unless it writes its own. */
export function startDetached(
  cmd: string,
  args: string[],
  opts: { log: string; pidFile?: string; env?: NodeJS.ProcessEnv },
): number {
  const fd = openSync(opts.log, 'a');
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], env: opts.env ?? process.env });
  child.unref();
  if (!child.pid) throw new Error(`could not start ${cmd}`);
  if (opts.pidFile) writeFileSync(opts.pidFile, String(child.pid));
  return child.pid;
}

export async function stopByPidFile(file: string, name: string, timeoutMs = 10_000): Promise<boolean> {
  const pid = readPid(file);
  if (!pid || !pidAlive(pid)) {
    rmSync(file, { force: true });
    return false;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (pidAlive(pid) && Date.now() < deadline) await sleep(100);
  if (pidAlive(pid)) {
    process.kill(pid, 'SIGKILL');
    await sleep(200);
  }
  rmSync(file, { force: true });
  console.log(`stopped ${name} (pid ${pid})`);
  return true;
}

export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  hint: () => string = () => '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(150);
  }
  const h = hint();
  throw new Error(`${what} did not come up within ${timeoutMs} ms${h ? `: ${h}` : ''}`);
}
