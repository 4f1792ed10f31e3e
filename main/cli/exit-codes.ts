import type { WireError } from '../../shared/errors';

/** The CLI's promise to CI pipelines: 0 done, 1 failed, 2 bad input or usage, 3 refused. */
export const Exit = { ok: 0, failed: 1, usage: 2, refused: 3 } as const;
export type ExitCode = (typeof Exit)[keyof typeof Exit];

export function exitCodeFor(error: WireError): ExitCode {
  switch (error.code) {
    case 'bad_input':
    case 'not_found':
    case 'secret_missing':
      return Exit.usage;
    case 'host_key_unknown':
    case 'host_key_changed':
    case 'refused':
      return Exit.refused;
    default:
      return Exit.failed;
  }
}
