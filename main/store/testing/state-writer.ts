// A separate process that changes local state, for the cross-process tests. It loads, says "ready" on
// stdout, waits for "go" on stdin (so every writer starts at once), makes its changes in the order
// given and prints one JSON line with the outcome; exit 0 only when every change was made.
//   state-writer HOME CHANGES NAME [CLIENT_ID]
// CHANGES is `server` (adds server NAME to client CLIENT_ID), `env` (applies environment lab/NAME),
// `secret` (stores secret NAME with the value `value-of-NAME` in the local secret store, keyed from the
// audit key the environment gives), or several joined by `+`. It runs on Node's own type stripping (see cross-process.test.ts), so what it
// imports must stay erasable TypeScript: no enums, namespaces or constructor parameter properties.
import { once } from 'node:events';
import { EnvironmentStore } from '../environments';
import { InventoryStore } from '../inventory';
import { localSecretStore } from '../local-secret-store';

async function change(home: string, what: string, name: string, clientId: string): Promise<Record<string, string>> {
  if (what === 'server') {
    const inventory = new InventoryStore(home);
    await inventory.load();
    const server = await inventory.addServer({ clientId, name, host: `${name}.example`, user: 'deploy' });
    return { id: server.id };
  }
  if (what === 'env') {
    const { environment } = await new EnvironmentStore(home).apply({
      server: 'lab',
      name,
      image: 'odoo:17',
      public_bind: '127.0.0.1:18100',
    });
    return { env: `${environment.server}/${environment.name}` };
  }
  if (what === 'secret') {
    await localSecretStore(home, process.env).set(name, `value-of-${name}`);
    return { secret: name };
  }
  throw new Error(`unknown change ${what}`);
}

const [home = '', changes = '', name = '', clientId = ''] = process.argv.slice(2);
process.stdout.write('ready\n');
let input = '';
while (!input.includes('go')) {
  const [chunk] = (await once(process.stdin, 'data')) as [Buffer];
  input += chunk.toString();
}
process.stdin.pause();
const done: Record<string, string> = {};
try {
  for (const what of changes.split('+')) Object.assign(done, await change(home, what, name, clientId));
  process.stdout.write(JSON.stringify({ ok: true, ...done }) + '\n');
} catch (err) {
  const error = err instanceof Error ? err.message : String(err);
  process.stdout.write(JSON.stringify({ ok: false, ...done, error }) + '\n');
  process.exitCode = 1;
}
