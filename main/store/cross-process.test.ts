// Local state shared by separate processes (the app, the CLI, CI jobs on one runner): every change a
// process reports as made is in the file afterwards, and a running store sees the others' changes.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvironmentStore } from './environments';
import { InventoryStore } from './inventory';
import type { LocalSecretStore } from './local-secret-store';
import { localSecretStore } from './local-secret-store';

const roots: string[] = [];
const tmp = (prefix: string) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  roots.push(dir);
  return dir;
};

// Each writer is its own Node process: the repository's Node (the `node` devDependency), running the
// TypeScript writer with its types stripped and a resolve hook for our extensionless imports, with a
// compile cache warmed once. That is about a quarter second of CPU per process where tsx takes more
// than half a second, which keeps 2 × 20 processes inside the time budget on a busy two-core runner.
const NODE = path.resolve(__dirname, '../../node_modules/.bin/node');
const WRITER = path.join(__dirname, 'testing', 'state-writer.ts');
const HOOKS = `import { registerHooks } from 'node:module';
registerHooks({
  resolve(specifier, context, next) {
    if ((specifier.startsWith('./') || specifier.startsWith('../')) && !/[.][cm]?[jt]s$/.test(specifier)) {
      try {
        return next(specifier + '.ts', context);
      } catch {}
    }
    return next(specifier, context);
  },
});
`;
let writerArgs: string[] = [];
let writerEnv: NodeJS.ProcessEnv = {};
beforeAll(async () => {
  const dir = tmp('flipdeck-writer-');
  const hooks = path.join(dir, 'hooks.mjs');
  writeFileSync(hooks, HOOKS);
  mkdirSync(path.join(dir, 'compile-cache'));
  writerArgs = ['--import', hooks, WRITER];
  writerEnv = { ...process.env, NODE_COMPILE_CACHE: path.join(dir, 'compile-cache') };
  // One run first, alone: it fills the compile cache the twenty then share.
  const [warm] = await writeAtOnce([[tmp('flipdeck-x-'), 'env', 'warm']]);
  expect(warm).toMatchObject({ code: 0, result: { ok: true }, stderr: '' });
}, 30_000);

afterAll(() => {
  for (const dir of roots) rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  code: number | null;
  result: { ok: boolean; id?: string; env?: string; secret?: string; error?: string } | null;
  stderr: string;
}

/** Starts one writer process per argument list, lets them all go at once, and waits (bounded) for all. */
async function writeAtOnce(argLists: string[][], timeoutMs = 50_000, env: NodeJS.ProcessEnv = {}): Promise<Outcome[]> {
  const children: ChildProcessWithoutNullStreams[] = argLists.map((args) =>
    spawn(NODE, [...writerArgs, ...args], { stdio: 'pipe', env: { ...writerEnv, ...env } }),
  );
  const killer = setTimeout(() => children.forEach((c) => c.kill('SIGKILL')), timeoutMs);
  try {
    const outcomes = children.map(
      (child) =>
        new Promise<Outcome>((resolve) => {
          let out = '';
          let stderr = '';
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          child.on('close', (code) => {
            const last = out.trim().split('\n').pop() ?? '';
            let result: Outcome['result'] = null;
            try {
              result = JSON.parse(last) as Outcome['result'];
            } catch {
              // no outcome line: the writer died before it could say
            }
            resolve({ code, result, stderr });
          });
        }),
    );
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve, reject) => {
            let seen = '';
            child.stdout.on('data', (d: Buffer) => {
              seen += d.toString();
              if (seen.includes('ready')) resolve();
            });
            child.on('close', () => reject(new Error(`a writer ended before it was ready: ${seen}`)));
          }),
      ),
    );
    for (const child of children) child.stdin.end('go\n');
    return await Promise.all(outcomes);
  } finally {
    clearTimeout(killer);
  }
}

const serverNames = (file: string) =>
  (JSON.parse(readFileSync(file, 'utf8')) as { servers: { name: string }[] }).servers.map((s) => s.name).sort();

describe('local state written by several processes', { timeout: 60_000 }, () => {
  // One batch of 20 processes, each adding a server and applying an environment (half of them in the
  // other order), all at once: 20 concurrent writers on each file, and on the one lock they share.
  const names = Array.from({ length: 20 }, (_, i) => `web-${String(i).padStart(2, '0')}`);
  let home = '';
  let outcomes: Outcome[] = [];
  beforeAll(async () => {
    home = tmp('flipdeck-x-');
    const setup = new InventoryStore(home);
    await setup.load();
    const client = await setup.addClient({ name: 'Acme' });
    outcomes = await writeAtOnce(names.map((name, i) => [home, i % 2 ? 'env+server' : 'server+env', name, client.id]));
  }, 60_000);

  it('20 processes each adding a server at once: all 20 are kept, and each one reported success', async () => {
    expect(outcomes.map((o) => ({ code: o.code, ok: o.result?.ok, stderr: o.stderr }))).toEqual(
      names.map(() => ({ code: 0, ok: true, stderr: '' })),
    );
    expect(serverNames(path.join(home, 'inventory.json'))).toEqual(names);
    // The ids the processes reported are the ones stored.
    const stored = new InventoryStore(home);
    await stored.load();
    expect(
      stored
        .get()
        .servers.map((s) => s.id)
        .sort(),
    ).toEqual(outcomes.map((o) => o.result?.id).sort());
  });

  it('20 processes each applying an environment at once: all 20 are kept, and each one reported success', async () => {
    expect(outcomes.map((o) => o.result?.env)).toEqual(names.map((n) => `lab/${n}`));
    const listed = await new EnvironmentStore(home).list();
    expect(listed.map((e) => `${e.server}/${e.name}`).sort()).toEqual(names.map((n) => `lab/${n}`));
  });

  it('a running app holding an old copy does not erase a server another process added when it makes its own change', async () => {
    const home = tmp('flipdeck-x-');
    const app = new InventoryStore(home);
    await app.load();
    const client = await app.addClient({ name: 'Acme' });
    const mine = await app.addServer({ clientId: client.id, name: 'from-app', host: 'a.example', user: 'deploy' });

    const [cli] = await writeAtOnce([[home, 'server', 'from-cli', client.id]]);
    expect(cli).toMatchObject({ code: 0, result: { ok: true } });

    // The app never reloads on purpose here: each of its changes must start from the file.
    await app.addServer({ clientId: client.id, name: 'from-app-2', host: 'b.example', user: 'deploy' });
    expect(serverNames(app.file)).toEqual(['from-app', 'from-app-2', 'from-cli']);
    await app.updateServer(mine.id, { port: 2222 });
    await app.updateClient(client.id, { name: 'Acme Corp' });
    await app.removeServer(mine.id);
    expect(serverNames(app.file)).toEqual(['from-app-2', 'from-cli']);
  });

  it('a running store sees a server another process added on every read, without a restart', async () => {
    const home = tmp('flipdeck-x-');
    const app = new InventoryStore(home);
    await app.load();
    const client = await app.addClient({ name: 'Acme' });
    expect(app.get().servers).toEqual([]);

    const [cli] = await writeAtOnce([[home, 'server', 'from-cli', client.id]]);
    const id = cli?.result?.id ?? '';
    expect(id).not.toBe('');

    expect(app.server(id).name).toBe('from-cli');
    expect(app.serverByName('from-cli').id).toBe(id);
    expect(app.get().servers.map((s) => s.name)).toEqual(['from-cli']);
    expect(app.search({ search: 'from-cli' }).servers.map((s) => s.id)).toEqual([id]);
  });
});

describe('the local secret store written by several processes', { timeout: 60_000 }, () => {
  it('10 processes each storing a secret at once, on a home whose key none of them has made yet: all 10 are kept and decrypt', async () => {
    const home = tmp('flipdeck-x-');
    // The key file is created by whichever process gets there first; the others must use that one.
    const auditDir = tmp('flipdeck-x-audit-');
    const env = { FLIPDECK_AUDIT_DIR: auditDir, FLIPDECK_AUDIT_KEY: '', XDG_DATA_HOME: auditDir };
    const names = Array.from({ length: 10 }, (_, i) => `smtp_pw_${i}`);
    const outcomes = await writeAtOnce(
      names.map((name) => [home, 'secret', name]),
      50_000,
      env,
    );
    expect(outcomes.map((o) => ({ code: o.code, ok: o.result?.ok, stderr: o.stderr }))).toEqual(
      names.map(() => ({ code: 0, ok: true, stderr: '' })),
    );
    const store: LocalSecretStore = localSecretStore(home, env);
    expect(await store.list()).toEqual(names);
    for (const name of names) expect(await store.get(name)).toBe(`value-of-${name}`);
  });
});
