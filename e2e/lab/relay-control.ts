// Tests cut and restore the lab relay through its loopback control port.
import http from 'node:http';
import { PORTS } from './paths';

function call(method: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: PORTS.relayControl, method, path }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () =>
        res.statusCode === 200 ? resolve(body) : reject(new Error(`relay control ${path}: ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

export async function cutRelay(): Promise<number> {
  return (JSON.parse(await call('POST', '/cut')) as { cut: number }).cut;
}

export async function restoreRelay(): Promise<void> {
  await call('POST', '/restore');
}

export async function relayIsCut(): Promise<boolean> {
  return (JSON.parse(await call('GET', '/status')) as { cut: boolean }).cut;
}

export { TcpRelay } from './relay';
