import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { afterAll, describe, expect, it } from 'vitest';
import { assertHomeLockHeld, HOLDER_NAME, LOCK_NAME, withHomeLock } from './home-lock';
import { InventoryStore } from './inventory';

const roots: string[] = [];
const tmp = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-lock-'));
  roots.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of roots) rmSync(dir, { recursive: true, force: true });
});

/** Takes the lock the way another process would (its own lock directory, its holder note). */
async function holdAsAnotherProcess(home: string, command: string): Promise<() => Promise<void>> {
  const release = await lockfile.lock(home, {
    lockfilePath: path.join(home, LOCK_NAME),
    realpath: false,
    onCompromised: () => undefined,
  });
  writeFileSync(
    path.join(home, HOLDER_NAME),
    JSON.stringify({ pid: process.pid, host: os.hostname(), command, since: '2025-01-01T00:00:00.000Z' }),
  );
  return release;
}

describe('the home lock', () => {
  it('gives up after its timeout when another process keeps the lock, naming it and the lock directory; nothing runs', async () => {
    const home = tmp();
    const release = await holdAsAnotherProcess(home, 'flipdeck deploy lab/shop');
    let ran = false;
    const started = Date.now();
    const err = await withHomeLock(
      home,
      async () => {
        ran = true;
      },
      { timeoutMs: 300 },
    ).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(ran).toBe(false);
    expect(err).toMatchObject({
      code: 'refused',
      message: expect.stringMatching(
        new RegExp(`locked by \`flipdeck deploy lab/shop\` \\(pid ${process.pid} .*nothing was changed`),
      ) as unknown,
      fix: expect.stringContaining(path.join(home, LOCK_NAME)) as unknown,
    });
    await release();
  });

  it('waits its turn while another process holds the lock, then makes the change', async () => {
    const home = tmp();
    const inv = new InventoryStore(home);
    await inv.load();
    const release = await holdAsAnotherProcess(home, 'flipdeck server add');
    setTimeout(() => void release(), 300);
    const client = await inv.addClient({ name: 'Acme' });
    expect(new InventoryStore(home).client(client.id).name).toBe('Acme');
    expect(existsSync(path.join(home, LOCK_NAME))).toBe(false);
  });

  it('keeps waiting past its timeout while the lock changes hands (others make progress)', async () => {
    const home = tmp();
    const release = await holdAsAnotherProcess(home, 'flipdeck env apply 0');
    // The lock passes from writer to writer every 100 ms (as the holder note shows), for 900 ms.
    let n = 0;
    const handover = setInterval(() => {
      n += 1;
      writeFileSync(
        path.join(home, HOLDER_NAME),
        JSON.stringify({ pid: 1000 + n, host: os.hostname(), command: `flipdeck env apply ${n}`, since: String(n) }),
      );
    }, 100);
    setTimeout(() => {
      clearInterval(handover);
      void release();
    }, 900);
    const started = Date.now();
    expect(await withHomeLock(home, async () => 'mine', { timeoutMs: 300 })).toBe('mine');
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
  });

  it('takes over a lock left behind by a process that died', async () => {
    const home = tmp();
    mkdirSync(path.join(home, LOCK_NAME));
    const old = new Date(Date.now() - 60_000);
    utimesSync(path.join(home, LOCK_NAME), old, old);
    const inv = new InventoryStore(home);
    await inv.addClient({ name: 'Acme' });
    expect(inv.get().clients.map((c) => c.name)).toEqual(['Acme']);
  });

  it('runs callers of one process one after another, lets nested calls through, and is free again after an error', async () => {
    const home = tmp();
    const order: string[] = [];
    const step = (name: string, ms: number) =>
      withHomeLock(home, async () => {
        order.push(`${name}:start`);
        await new Promise((r) => setTimeout(r, ms));
        order.push(`${name}:end`);
      });
    await Promise.all([step('a', 30), step('b', 0), step('c', 10)]);
    expect(order).toEqual(['a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);

    expect(await withHomeLock(home, () => withHomeLock(home, async () => 'nested'))).toBe('nested');
    await expect(
      withHomeLock(home, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(existsSync(path.join(home, LOCK_NAME))).toBe(false);
    expect(existsSync(path.join(home, HOLDER_NAME))).toBe(false);
    expect(await withHomeLock(home, async () => 'free')).toBe('free');
  });

  it('refuses a write outside the lock', async () => {
    const home = tmp();
    expect(() => assertHomeLockHeld(home)).toThrow(/without its lock/);
    await withHomeLock(home, async () => {
      expect(() => assertHomeLockHeld(home)).not.toThrow();
      expect(() => assertHomeLockHeld(tmp())).toThrow(/without its lock/);
    });
  });

  it('leaves a store file that became corrupt alone: reads and changes say so, and one copy is kept', async () => {
    const home = tmp();
    const inv = new InventoryStore(home);
    await inv.addClient({ name: 'Acme' });
    const file = path.join(home, 'inventory.json');
    writeFileSync(file, '{"version":1,');
    expect(() => inv.get()).toThrow(/not valid JSON/);
    expect(() => inv.get()).toThrow(/not valid JSON/);
    await expect(inv.addClient({ name: 'Globex' })).rejects.toThrow(/not valid JSON/);
    expect(readFileSync(file, 'utf8')).toBe('{"version":1,');
    expect(readdirSync(home).filter((f) => f.startsWith('inventory.json.corrupt-'))).toHaveLength(1);
  });
});
