// Deploys and rollbacks started from the app run here, in main, as streams: each has an id, sends
// progress / awaiting_flip / end / error events, can be cancelled, and (for the wizard) pauses before
// the flip until the user confirms. The renderer only ever sees events; the engine never sees React.
import { randomUUID } from 'node:crypto';
import type { DeployStreamEvent } from '../../../shared/deploy';
import { FlipdeckError, type WireError } from '../../../shared/errors';
import type { EmitEvent } from '../dispatch';
import type { Deployments } from './deployments';

interface Running {
  server: string;
  env: string;
  ctrl: AbortController;
  flip: { resolve(): void; reject(err: Error): void } | null;
}

export class DeployStreams {
  private readonly running = new Map<string, Running>();

  constructor(
    private readonly deployments: Deployments,
    private readonly emit: EmitEvent,
  ) {}

  start(req: {
    server: string;
    env: string;
    kind: 'deploy' | 'rollback';
    ref?: string;
    confirmFlip: boolean;
    updateMode?: 'online' | 'cutover';
  }): { stream: string } {
    for (const r of this.running.values()) {
      if (r.server === req.server && r.env === req.env)
        throw new FlipdeckError('refused', `${req.server}/${req.env} already has a deploy running in this app`, {
          fix: 'follow it, or cancel it first',
        });
    }
    const stream = randomUUID();
    const run: Running = { server: req.server, env: req.env, ctrl: new AbortController(), flip: null };
    this.running.set(stream, run);
    const send = (event: DeployStreamEvent) =>
      this.emit('deploy.event', { stream, server: req.server, env: req.env, event });
    const confirmFlip =
      req.confirmFlip && req.kind === 'deploy'
        ? () =>
            new Promise<void>((resolve, reject) => {
              run.flip = { resolve, reject };
              send({ kind: 'awaiting_flip' });
            })
        : undefined;
    void this.deployments
      .run(`${req.server}/${req.env}`, req.kind, {
        ...(req.ref ? { gitRef: req.ref } : {}),
        ...(req.updateMode ? { updateMode: req.updateMode } : {}),
        signal: run.ctrl.signal,
        onProgress: (progress) => send({ kind: 'progress', progress }),
        ...(confirmFlip ? { confirmFlip } : {}),
      })
      .then(
        (result) => send({ kind: 'end', result }),
        (err: unknown) => {
          const wire: WireError =
            err instanceof FlipdeckError
              ? err.toWire()
              : { code: 'internal', message: err instanceof Error ? err.message : String(err) };
          send({
            kind: 'error',
            error: { code: wire.code, message: wire.message, ...(wire.fix ? { fix: wire.fix } : {}) },
          });
        },
      )
      .finally(() => this.running.delete(stream));
    return { stream };
  }

  confirmFlip(stream: string): void {
    const run = this.get(stream);
    if (!run.flip) throw new FlipdeckError('refused', 'this deploy is not waiting for the flip');
    run.flip.resolve();
    run.flip = null;
  }

  /** Before the flip: green is removed and blue untouched. After it, the engine refuses and says so. */
  cancel(stream: string): void {
    const run = this.get(stream);
    run.ctrl.abort();
    run.flip?.reject(new Error('cancelled before the flip'));
    run.flip = null;
  }

  private get(stream: string): Running {
    const run = this.running.get(stream);
    if (!run) throw new FlipdeckError('not_found', 'no such deploy is running (it may have finished)');
    return run;
  }
}
