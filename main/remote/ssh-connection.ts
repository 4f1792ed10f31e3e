// One SSH connection to a server (optionally through a jump host), reused for everything: exec,
// the Docker socket, TCP forwards. Keep-alive notices a dead link; an unexpected drop reconnects with
// backoff; a host key that changed is never accepted, not even on reconnect.
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import type { ConnectionState, SshHop } from '../../shared/model';
import { FlipdeckError } from '../../shared/errors';
import { hostVerifier, type HostKeyCheck } from './host-keys';
import { commandLine } from './shell-quote';
import { backoffMs, sleep } from '../../shared/retry';
import { asSocketLike } from './channel-socket';

export interface SshEndpoint {
  host: string;
  port: number;
  user: string;
  privateKey?: Buffer | string | undefined;
  passphrase?: string | undefined;
  /** ssh-agent socket path. */
  agent?: string | undefined;
  hostKey?: string | undefined;
  acceptNewHostKey?: boolean | undefined;
}

export interface SshConnectionOptions extends SshEndpoint {
  jump?: SshEndpoint | undefined;
  keepaliveIntervalMs?: number;
  readyTimeoutMs?: number;
  reconnect?: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
}

export interface ExecResult {
  exitCode: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut?: boolean;
}

const DEFAULT_RECONNECT = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 15_000 };

function mapConnectError(err: unknown, ep: SshEndpoint, hop: SshHop, check: HostKeyCheck): FlipdeckError {
  if (check.refusal) return check.refusal;
  if (err instanceof FlipdeckError) return err;
  const e = err as Error & { level?: string; code?: string };
  const where = `${ep.user}@${ep.host}:${ep.port}${hop === 'jump' ? ' (jump host)' : ''}`;
  const msg = e?.message ?? String(err);
  if (/passphrase/i.test(msg) || /Cannot parse privateKey/i.test(msg)) {
    return new FlipdeckError('auth_failed', `the private key for ${where} could not be opened: ${msg}`, {
      fix: 'check the key file and its passphrase (secret, or FLIPDECK_KEY_PASSPHRASE for the CLI)',
    });
  }
  if (e?.level === 'client-authentication') {
    return new FlipdeckError('auth_failed', `${where} refused the key${ep.agent ? " (and the agent's keys)" : ''}`, {
      fix: "add your public key to the server user's authorized_keys, or choose the right key",
    });
  }
  if (
    e?.code &&
    ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN'].includes(e.code)
  ) {
    return new FlipdeckError('unreachable', `cannot reach ${where}: ${e.code}`, {
      fix: 'check the host and port, that sshd runs, and that no firewall is in the way',
    });
  }
  if (/timed out/i.test(msg))
    return new FlipdeckError('unreachable', `${where} did not complete the SSH handshake in time`, {
      fix: 'check the host and port, and your network',
    });
  return new FlipdeckError('unreachable', `SSH to ${where} failed: ${msg}`);
}

export class SshConnection extends EventEmitter {
  state: ConnectionState = { kind: 'idle' };
  fingerprint?: string;
  jumpFingerprint?: string;
  private client: Client | null = null;
  private jumpClient: Client | null = null;
  private closedByUser = false;
  private reconnecting: Promise<void> | null = null;

  constructor(private readonly opts: SshConnectionOptions) {
    super();
  }

  private setState(s: ConnectionState): void {
    this.state = s;
    this.emit('state', s);
  }

  private endpointConfig(ep: SshEndpoint, hop: SshHop, check: HostKeyCheck): ConnectConfig {
    return {
      host: ep.host,
      port: ep.port,
      username: ep.user,
      ...(ep.privateKey ? { privateKey: ep.privateKey } : {}),
      ...(ep.passphrase ? { passphrase: ep.passphrase } : {}),
      ...(ep.agent ? { agent: ep.agent } : {}),
      hostVerifier: hostVerifier({ pinned: ep.hostKey, acceptNew: ep.acceptNewHostKey, hop, host: ep.host }, check),
      keepaliveInterval: this.opts.keepaliveIntervalMs ?? 10_000,
      keepaliveCountMax: 3,
      readyTimeout: this.opts.readyTimeoutMs ?? 15_000,
    };
  }

  private open(config: ConnectConfig, ep: SshEndpoint, hop: SshHop, check: HostKeyCheck): Promise<Client> {
    return new Promise((resolve, reject) => {
      const c = new Client();
      let settled = false;
      c.once('ready', () => {
        settled = true;
        resolve(c);
      });
      // Persistent: ssh2 may emit more than one error (e.g. a cut during the handshake, then the close);
      // after settling, the 'close' event is what reports a drop.
      c.on('error', (err) => {
        if (settled) return;
        settled = true;
        c.end();
        reject(mapConnectError(err, ep, hop, check));
      });
      try {
        c.connect(config);
      } catch (err) {
        settled = true;
        reject(mapConnectError(err, ep, hop, check));
      }
    });
  }

  private async connectOnce(): Promise<void> {
    const o = this.opts;
    let sock: Duplex | undefined;
    if (o.jump) {
      const jcheck: HostKeyCheck = {};
      this.jumpClient = await this.open(this.endpointConfig(o.jump, 'jump', jcheck), o.jump, 'jump', jcheck);
      this.jumpFingerprint = jcheck.presented?.fingerprint;
      // Reconnects pin what was accepted on first contact.
      o.jump.hostKey ??= this.jumpFingerprint;
      o.jump.acceptNewHostKey = false;
      sock = await new Promise<Duplex>((resolve, reject) =>
        this.jumpClient!.forwardOut('127.0.0.1', 0, o.host, o.port, (err, ch) =>
          err ? reject(mapConnectError(Object.assign(err, { code: 'ECONNREFUSED' }), o, 'server', {})) : resolve(ch),
        ),
      );
    }
    const check: HostKeyCheck = {};
    const client = await this.open(
      { ...this.endpointConfig(o, 'server', check), ...(sock ? { sock } : {}) },
      o,
      'server',
      check,
    ).catch((err: unknown) => {
      this.jumpClient?.end();
      throw err;
    });
    this.fingerprint = check.presented?.fingerprint;
    o.hostKey ??= this.fingerprint;
    o.acceptNewHostKey = false;
    this.client = client;
    // Every Docker call and admin command is a small request/answer on a channel: with Nagle on, each
    // waits on the peer's delayed ACK (~40 ms a round trip on loopback, 8x slower in the lab).
    client.setNoDelay(true);
    this.jumpClient?.setNoDelay(true);
    client.on('error', () => undefined);
    client.once('close', () => this.onDrop('the connection closed'));
  }

  async connect(): Promise<{ fingerprint: string; jumpFingerprint?: string }> {
    if (this.state.kind === 'connected' && this.client) return this.facts();
    this.closedByUser = false;
    this.setState({ kind: 'connecting', attempt: 1 });
    try {
      await this.connectOnce();
    } catch (err) {
      this.setState({ kind: 'lost', reason: (err as Error).message });
      throw err;
    }
    this.setState({ kind: 'connected', since: new Date().toISOString() });
    return this.facts();
  }

  private facts(): { fingerprint: string; jumpFingerprint?: string } {
    return {
      fingerprint: this.fingerprint ?? '',
      ...(this.jumpFingerprint ? { jumpFingerprint: this.jumpFingerprint } : {}),
    };
  }

  private onDrop(reason: string): void {
    this.client = null;
    this.jumpClient?.end();
    this.jumpClient = null;
    if (this.closedByUser || this.state.kind !== 'connected') return;
    this.reconnecting = this.reconnectLoop(reason).finally(() => (this.reconnecting = null));
  }

  private async reconnectLoop(reason: string): Promise<void> {
    const policy = this.opts.reconnect ?? DEFAULT_RECONNECT;
    let last = reason;
    for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
      const delay = backoffMs({ baseMs: policy.baseDelayMs, maxMs: policy.maxDelayMs }, attempt);
      this.setState({ kind: 'reconnecting', attempt, nextInMs: delay, reason: last });
      await sleep(delay);
      if (this.closedByUser) return;
      try {
        await this.connectOnce();
        this.setState({ kind: 'connected', since: new Date().toISOString() });
        return;
      } catch (err) {
        last = (err as Error).message;
        // A changed or unknown key is not a network blip: stop at once.
        if (err instanceof FlipdeckError && err.code.startsWith('host_key')) break;
      }
    }
    this.setState({ kind: 'lost', reason: last });
  }

  /** Waits out a reconnect in progress; throws when the link is gone. */
  private async live(): Promise<Client> {
    if (this.reconnecting) await this.reconnecting;
    if (this.state.kind === 'idle') await this.connect();
    if (!this.client || this.state.kind !== 'connected') {
      const why = this.state.kind === 'lost' ? this.state.reason : this.state.kind;
      throw new FlipdeckError('connection_lost', `the SSH connection to ${this.opts.host} is down (${why})`, {
        fix: 'check the network, then reconnect',
      });
    }
    return this.client;
  }

  async exec(
    argv: string[],
    opts: { stdin?: string | Buffer; timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<ExecResult> {
    const command = commandLine(argv);
    const client = await this.live();
    const started = Date.now();
    return new Promise((resolve, reject) => {
      client.exec(command, (err, stream) => {
        if (err)
          return reject(
            new FlipdeckError('connection_lost', `could not start \`${argv[0]}\` on ${this.opts.host}: ${err.message}`),
          );
        let stdout = '';
        let stderr = '';
        let timedOut = false;
        const stop = () => {
          try {
            stream.signal('KILL');
          } catch {
            /* the server may not allow signals */
          }
          stream.close();
        };
        const timer = opts.timeoutMs ? setTimeout(() => ((timedOut = true), stop()), opts.timeoutMs) : null;
        opts.signal?.addEventListener('abort', stop, { once: true });
        stream.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
        stream.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
        stream.on('close', (code: number | null, signal?: string) => {
          if (timer) clearTimeout(timer);
          resolve({
            exitCode: code ?? null,
            ...(signal ? { signal } : {}),
            stdout,
            stderr,
            durationMs: Date.now() - started,
            ...(timedOut ? { timedOut } : {}),
          });
        });
        if (opts.stdin !== undefined) stream.end(opts.stdin);
        else stream.end();
      });
    });
  }

  /** A shell (with a pty) for the terminal pane. */
  async shell(window: { rows: number; cols: number }): Promise<ClientChannel> {
    const client = await this.live();
    return new Promise((resolve, reject) =>
      client.shell({ term: 'xterm-256color', rows: window.rows, cols: window.cols }, (err, ch) =>
        err ? reject(err) : resolve(ch),
      ),
    );
  }

  /** A stream to a unix socket on the server (stream-local forward): the Docker socket, the edge's admin socket. */
  async openUnixSocket(socketPath: string): Promise<Duplex> {
    const client = await this.live();
    return new Promise((resolve, reject) =>
      client.openssh_forwardOutStreamLocal(socketPath, (err, ch) => {
        if (err)
          return reject(
            Object.assign(new Error(`cannot open ${socketPath} on ${this.opts.host}: ${err.message}`), {
              code: 'ESOCKETFORWARD',
              socketPath,
            }),
          );
        // A channel emits close only after both sides end.
        ch.on('end', () => ch.end());
        resolve(ch);
      }),
    );
  }

  /**
   * A TCP stream from the server to host:port (e.g. a container on the server's Docker network),
   * shaped as a socket so Node's http client can run a request over it.
   */
  async forwardTcp(host: string, port: number): Promise<Duplex> {
    const client = await this.live();
    return new Promise((resolve, reject) =>
      client.forwardOut('127.0.0.1', 0, host, port, (err, ch) => {
        if (err)
          return reject(
            Object.assign(new Error(`cannot reach ${host}:${port} from ${this.opts.host}: ${err.message}`), {
              code: 'ECONNREFUSED',
            }),
          );
        ch.on('end', () => ch.end());
        resolve(asSocketLike(ch));
      }),
    );
  }

  async close(): Promise<void> {
    this.closedByUser = true;
    const c = this.client;
    this.client = null;
    if (c) {
      await new Promise<void>((resolve) => {
        c.once('close', () => resolve());
        c.end();
        setTimeout(resolve, 2000).unref();
      });
    }
    this.jumpClient?.end();
    this.jumpClient = null;
    this.setState({ kind: 'closed' });
  }
}
