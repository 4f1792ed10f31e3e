// "This computer": with an empty inventory the app offers the local engine when its socket answers.
import http from 'node:http';

export const DEFAULT_LOCAL_SOCKET = '/var/run/docker.sock';

export function localDockerSocket(env: NodeJS.ProcessEnv): string {
  const fromEnv = env.DOCKER_HOST?.startsWith('unix://') ? env.DOCKER_HOST.slice('unix://'.length) : undefined;
  return env.FLIPDECK_LOCAL_DOCKER_SOCKET ?? fromEnv ?? DEFAULT_LOCAL_SOCKET;
}

/** One `_ping` with a short timeout: the fleet view must never wait on a dead socket. */
export function probeLocalDocker(
  env: NodeJS.ProcessEnv,
  timeoutMs = 1000,
): Promise<{ socket: string; reachable: boolean }> {
  const socket = localDockerSocket(env);
  return new Promise((resolve) => {
    const req = http.get({ socketPath: socket, path: '/_ping', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve({ socket, reachable: res.statusCode === 200 });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ socket, reachable: false }));
  });
}
