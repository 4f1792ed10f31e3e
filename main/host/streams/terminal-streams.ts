// Terminal sessions for the terminal pane: an SSH login shell on a server (with a pty), or an exec
// shell inside a container through the Docker API (a TTY exec over the same tunnel). Each session is a
// stream: data/end/error events, input, resize, close. Opening and closing are in the audit log;
// what is typed is not (it may hold passwords), only the byte counts and the exit status.
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type Docker from 'dockerode';
import type { TerminalEvent, TerminalTarget } from '../../../shared/streams';
import { FlipdeckError } from '../../../shared/errors';
import type { AuditLog } from '../../store/audit-log';
import type { InventoryStore } from '../../store/inventory';
import type { EmitEvent } from '../dispatch';
import type { ServerSessions } from '../servers/server-sessions';

/** Output is coalesced for this long so a flood (`cat bigfile`) is a few messages, not thousands. */
const FLUSH_MS = 8;
const FLUSH_BYTES = 64 * 1024;

interface Session {
  server: string;
  serverName: string;
  argv: string[];
  input: Duplex;
  resize(cols: number, rows: number): Promise<void>;
  close(): void;
  openedAt: number;
  bytesIn: number;
  bytesOut: number;
  ended: boolean;
}

// The shell a container has: bash where it exists, else sh. One fixed script, no user text in it.
const CONTAINER_SHELL = ['/bin/sh', '-c', 'if command -v bash >/dev/null 2>&1; then exec bash -l; else exec sh -l; fi'];

export class TerminalStreams {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly d: { sessions: ServerSessions; inventory: InventoryStore; audit: AuditLog; emit: EmitEvent },
  ) {}

  async open(req: {
    server: string;
    target: TerminalTarget;
    cols: number;
    rows: number;
  }): Promise<{ stream: string; title: string }> {
    const server = this.d.inventory.server(req.server);
    const stream = randomUUID();
    const started = Date.now();
    const argv =
      req.target.kind === 'server'
        ? ['ssh', '-t', `${server.user}@${server.host}`, '-p', String(server.port)]
        : ['docker', 'exec', '-it', req.target.container, ...CONTAINER_SHELL];
    let opened: Omit<Session, 'server' | 'serverName' | 'argv' | 'openedAt' | 'bytesIn' | 'bytesOut' | 'ended'> & {
      output: Duplex;
      exitCode: () => Promise<number | null>;
      endOn: ('end' | 'close')[];
    };
    try {
      opened =
        req.target.kind === 'server'
          ? await this.sshShell(req.server, server.kind, server.name, req.cols, req.rows)
          : await this.containerShell(
              await this.d.sessions.docker(req.server),
              req.target.container,
              req.cols,
              req.rows,
            );
    } catch (err) {
      await this.d.audit.append({
        action: 'terminal.open',
        server: server.name,
        argv,
        ok: false,
        exitCode: null,
        durationMs: Date.now() - started,
        output: (err as Error).message,
      });
      throw err;
    }
    await this.d.audit.append({
      action: 'terminal.open',
      server: server.name,
      argv,
      ok: true,
      exitCode: 0,
      durationMs: Date.now() - started,
    });
    const session: Session = {
      server: req.server,
      serverName: server.name,
      argv,
      input: opened.input,
      resize: opened.resize,
      close: opened.close,
      openedAt: Date.now(),
      bytesIn: 0,
      bytesOut: 0,
      ended: false,
    };
    this.sessions.set(stream, session);
    this.pump(stream, session, opened.output, opened.exitCode, opened.endOn);
    const title = req.target.kind === 'server' ? `${server.name}` : `${server.name}: ${req.target.container}`;
    return { stream, title };
  }

  input(stream: string, data: string): void {
    const s = this.get(stream);
    s.bytesIn += Buffer.byteLength(data);
    s.input.write(data);
  }

  async resize(stream: string, cols: number, rows: number): Promise<void> {
    await this.get(stream).resize(cols, rows);
  }

  close(stream: string): void {
    const s = this.sessions.get(stream);
    if (s && !s.ended) s.close();
  }

  closeAll(): void {
    for (const id of this.sessions.keys()) this.close(id);
  }

  private get(stream: string): Session {
    const s = this.sessions.get(stream);
    if (!s || s.ended)
      throw new FlipdeckError('not_found', 'this terminal has ended', { fix: 'open a new terminal tab' });
    return s;
  }

  private send(stream: string, event: TerminalEvent): void {
    this.d.emit('terminal.event', { stream, event });
  }

  /** Output → batched data events; the end → one end event and one audit record with the exit status. */
  private pump(
    stream: string,
    s: Session,
    output: Duplex,
    exitCode: () => Promise<number | null>,
    endOn: ('end' | 'close')[],
  ): void {
    const decoder = new StringDecoder('utf8');
    let pending = '';
    let timer: NodeJS.Timeout | null = null;
    const flush = () => {
      if (timer) clearTimeout(timer);
      timer = null;
      if (pending) this.send(stream, { kind: 'data', data: pending });
      pending = '';
    };
    output.on('data', (chunk: Buffer) => {
      s.bytesOut += chunk.length;
      pending += decoder.write(chunk);
      if (pending.length >= FLUSH_BYTES) flush();
      else timer ??= setTimeout(flush, FLUSH_MS);
    });
    let reason: string | undefined;
    output.on('error', (err: Error) => (reason = err.message));
    let done = false;
    const finish = async () => {
      if (done) return;
      done = true;
      pending += decoder.end();
      flush();
      s.ended = true;
      const code = await exitCode().catch(() => null);
      const why = reason ?? (code === null ? 'the connection closed' : undefined);
      this.send(stream, { kind: 'end', exitCode: code, ...(why ? { reason: why } : {}) });
      this.sessions.delete(stream);
      await this.d.audit
        .append({
          action: 'terminal.close',
          server: s.serverName,
          argv: s.argv,
          ok: code === 0,
          exitCode: code,
          durationMs: Date.now() - s.openedAt,
          detail: { bytesIn: s.bytesIn, bytesOut: s.bytesOut, ...(why ? { reason: why } : {}) },
        })
        .catch(() => undefined);
    };
    for (const ev of endOn) output.on(ev, () => void finish());
  }

  private async sshShell(serverId: string, kind: string, name: string, cols: number, rows: number) {
    if (kind === 'local')
      throw new FlipdeckError('refused', `${name} is this computer: use your own terminal for a shell here`, {
        fix: 'open a shell in one of its containers instead',
      });
    const conn = await this.d.sessions.ssh(serverId);
    const ch = await conn.shell({ cols, rows });
    let code: number | null = null;
    ch.on('exit', (c: number | null) => (code = c));
    return {
      input: ch as Duplex,
      output: ch as Duplex,
      resize: async (c: number, r: number) => void ch.setWindow(r, c, 0, 0),
      close: () => ch.close(),
      exitCode: async () => code,
      // The exit status arrives after the output's end but before the channel's close: wait for close.
      endOn: ['close'] as ('end' | 'close')[],
    };
  }

  private async containerShell(docker: Docker, container: string, cols: number, rows: number) {
    const c = docker.getContainer(container);
    const info = await c.inspect().catch((err: { statusCode?: number }) => {
      if (err.statusCode === 404)
        throw new FlipdeckError('not_found', `no container named ${container} on this server`, {
          fix: 'pick a running worker from the environment view',
        });
      throw err;
    });
    if (!info.State.Running)
      throw new FlipdeckError('refused', `${container} is not running`, { fix: 'start it, or pick a running worker' });
    const exec = await c.exec({
      Cmd: CONTAINER_SHELL,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: true,
      Env: ['TERM=xterm-256color'],
    });
    const duplex = (await exec.start({ hijack: true, stdin: true, Tty: true })) as unknown as Duplex;
    await exec.resize({ h: rows, w: cols }).catch(() => undefined);
    return {
      input: duplex,
      output: duplex,
      resize: async (w: number, h: number) => void (await exec.resize({ h, w })),
      close: () => duplex.destroy(),
      exitCode: async () => (await exec.inspect()).ExitCode ?? null,
      endOn: ['end', 'close'] as ('end' | 'close')[],
    };
  }
}
