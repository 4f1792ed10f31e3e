// The relay as a lab process: relays RELAY_PORT → sshd, with a loopback HTTP control port
// (POST /cut, POST /restore, GET /status) that tests use through relay-control.ts.
import http from 'node:http';
import { TcpRelay } from './relay';
import { PORTS } from './paths';

const relay = new TcpRelay({ host: '127.0.0.1', port: PORTS.relay }, { host: '127.0.0.1', port: PORTS.ssh });
await relay.start();
const control = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/cut') return res.end(JSON.stringify({ cut: relay.cutAll() }));
  if (req.method === 'POST' && req.url === '/restore') return (relay.restore(), res.end('{"restored":true}'));
  if (req.method === 'GET' && req.url === '/status') return res.end(JSON.stringify({ cut: relay.isCut }));
  res.statusCode = 404;
  res.end();
});
control.listen(PORTS.relayControl, '127.0.0.1', () =>
  console.log(`relay 127.0.0.1:${PORTS.relay} → sshd; control on ${PORTS.relayControl}`),
);
process.on('SIGTERM', () => void relay.close().then(() => process.exit(0)));
