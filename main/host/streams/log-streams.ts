// Live log streams for the log pane: follow a pool (interleaved, each line labelled with its worker)
// or one worker. Lines are batched here, in main, every LOG_BATCH_MS, so a flood of 20k lines/s is
// twenty messages a second to the renderer; a batch over LOG_BATCH_MAX keeps the newest lines and
// says how many it dropped. Following only reads: it is not a remote action worth an audit record.
import { randomUUID } from 'node:crypto';
import type { Pool } from '../../../shared/deploy';
import { FlipdeckError, toWireError } from '../../../shared/errors';
import { LOG_BATCH_MAX, LOG_BATCH_MS, type LogLine, type LogsEvent } from '../../../shared/streams';
import type { Deployments } from '../deploys/deployments';
import type { EmitEvent } from '../dispatch';
import { followWorkerLogs } from './log-follow';

export class LogStreams {
  private readonly running = new Map<string, AbortController>();

  constructor(private readonly d: { deployments: Deployments; emit: EmitEvent }) {}

  async follow(req: {
    server: string;
    env: string;
    pool?: Pool;
    worker?: string;
    tail: number;
  }): Promise<{ stream: string }> {
    const target = await this.d.deployments.target(`${req.server}/${req.env}`);
    const stream = randomUUID();
    const ctrl = new AbortController();
    this.running.set(stream, ctrl);
    const send = (event: LogsEvent) => this.d.emit('logs.event', { stream, event });
    let batch: LogLine[] = [];
    let dropped = 0;
    let timer: NodeJS.Timeout | null = null;
    const flush = () => {
      timer = null;
      if (batch.length === 0) return;
      send({ kind: 'lines', lines: batch, ...(dropped ? { dropped } : {}) });
      batch = [];
      dropped = 0;
    };
    const onLine = (worker: string, text: string) => {
      batch.push({ worker, text });
      if (batch.length > LOG_BATCH_MAX) {
        batch.shift();
        dropped++;
      }
      timer ??= setTimeout(flush, LOG_BATCH_MS);
    };
    void followWorkerLogs(
      target.link.docker,
      {
        env: req.env,
        ...(req.pool ? { pool: req.pool } : {}),
        ...(req.worker ? { worker: req.worker } : {}),
        tail: req.tail,
        follow: true,
      },
      onLine,
      ctrl.signal,
    )
      .then(
        ({ workers }) => {
          if (timer) clearTimeout(timer);
          flush();
          const reason = ctrl.signal.aborted
            ? 'stopped'
            : workers.length === 0
              ? `no running ${req.pool ?? ''} workers to follow`.replace('  ', ' ')
              : 'every followed worker stopped';
          send({ kind: 'end', reason });
        },
        (err: unknown) => {
          if (timer) clearTimeout(timer);
          flush();
          const wire = toWireError(err);
          send({
            kind: 'error',
            error: { code: wire.code, message: wire.message, ...(wire.fix ? { fix: wire.fix } : {}) },
          });
        },
      )
      .finally(() => this.running.delete(stream));
    return { stream };
  }

  stop(stream: string): void {
    const ctrl = this.running.get(stream);
    if (!ctrl) throw new FlipdeckError('not_found', 'no such log stream (it may have ended)');
    ctrl.abort();
  }

  stopAll(): void {
    for (const c of this.running.values()) c.abort();
  }
}
