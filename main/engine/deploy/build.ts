// The build step: `docker build` on the server through the tunnel, from a local source directory
// (sent as a tar of the folder), or an existing image. The build log streams to the wizard.
import { stat } from 'node:fs/promises';
import type Docker from 'dockerode';
import { pack } from 'tar-fs';
import { StepFailure } from './step-failure';

export interface BuildRequest {
  docker: Docker;
  source: string;
  dockerfile: string;
  tag: string;
  /** Labels the built image carries (the module stamp the next deploy compares against). */
  labels?: Record<string, string>;
  onLine(line: string): void;
  signal?: AbortSignal;
}

interface BuildEvent {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
}

export async function buildFromDirectory(req: BuildRequest): Promise<string> {
  const info = await stat(req.source).catch(() => null);
  if (!info?.isDirectory())
    throw new StepFailure({ kind: 'error', message: `the source ${req.source} is not a directory on this computer` });
  const argv = ['docker', 'build', '-f', req.dockerfile, '-t', req.tag, req.source];
  const tail: string[] = [];
  const context = pack(req.source, {
    ignore: (name) => /(^|\/)(\.git|node_modules)(\/|$)/.test(name),
  }) as unknown as NodeJS.ReadableStream;
  const stream: NodeJS.ReadableStream = await req.docker.buildImage(context, {
    t: req.tag,
    dockerfile: req.dockerfile,
    rm: true,
    forcerm: true,
    ...(req.labels ? { labels: req.labels } : {}),
    ...(req.signal ? { abortSignal: req.signal } : {}),
  });
  const error = await new Promise<string | null>((resolve, reject) => {
    req.docker.modem.followProgress(
      stream,
      (err: Error | null) => (err ? reject(err) : resolve(null)),
      (ev: BuildEvent) => {
        const text = (ev.stream ?? ev.status ?? '').replace(/\n$/, '');
        if (text) {
          for (const line of text.split('\n')) {
            req.onLine(line);
            tail.push(line);
            if (tail.length > 30) tail.shift();
          }
        }
        if (ev.error) resolve(ev.errorDetail?.message ?? ev.error);
      },
    );
  });
  if (error) throw new StepFailure({ kind: 'command', argv, exitCode: 1, stderr: [...tail, error].join('\n') });
  return req.tag;
}
