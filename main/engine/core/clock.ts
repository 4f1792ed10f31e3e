// The engine's only clock: tests and the fast timing profile inject their own. `sleep` ends early
// (resolving, not rejecting) when its signal aborts, so a loop re-checks the signal and stops;
// it never leaves a timer or a listener behind.
import { sleep } from '../../../shared/retry';

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, signal).catch(() => undefined),
};
