// Schema-changing deploys against the lab: only the changed module is updated (-u), after a backup
// kept on the server and a rehearsal on a copy of the database; online (blue keeps serving, 0 failed
// requests) or a short cutover (the edge answers 503 + Retry-After for the update, measured); a
// failing rehearsal or update leaves blue serving and the database untouched.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeployProgress } from '../../shared/deploy';
import { ADDONS } from '../../e2e/lab/standin-kit';
import { sourceDir, steadyLoad } from '../../e2e/lab/lab-deploy';
import { applyEnv, cli, envSql, L, labDocker, servingPool, status, useLabContext } from '../../e2e/lab/lab-cli';

const ENV = 'migtest';
const PORT = 18_980;

/** The stand-in's good addons with flipdeck_lab at `version` (a manifest change, as a real upgrade
 *  has); `version` null: no addon at all (what the environment starts from). */
function source(tag: string, version: string | null, extra?: string): string {
  const dir = sourceDir(L, tag);
  if (version === null) {
    rmSync(path.join(dir, 'addons', 'flipdeck_lab'), { recursive: true });
    writeFileSync(path.join(dir, 'addons', '.keep'), '');
    return dir;
  }
  const manifest = path.join(dir, 'addons', 'flipdeck_lab', '__manifest__.py');
  writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(/'version': '[^']*'/, `'version': '${version}'`));
  if (extra) cpSync(path.join(ADDONS.broken, extra), path.join(dir, 'addons', extra), { recursive: true });
  return dir;
}

const sql = (query: string) => envSql(ENV, query);

async function run(version: string | null, extraLines: string[] = [], extraAddon?: string) {
  await applyEnv(lab.work, ENV, PORT, source(`mig-${version ?? 'none'}`, version, extraAddon), [
    'drain_timeout: 5s',
    ...extraLines,
  ]);
  const events: DeployProgress[] = [];
  const result = await lab.ctx.services.deployments.run(`lab/${ENV}`, 'deploy', { onProgress: (p) => events.push(p) });
  const migration = events
    .filter((e): e is Extract<DeployProgress, { kind: 'migration' }> => e.kind === 'migration')
    .at(-1);
  return { result, events, migration };
}

const lab = useLabContext(ENV, 'migration', async () => {
  await applyEnv(lab.work, ENV, PORT, source('mig-base', null));
  expect((await lab.ctx.services.deployments.run(`lab/${ENV}`, 'deploy')).ok).toBe(true);
});

describe('module updates without -u all', () => {
  it('a code-only deploy updates nothing and backs nothing up', async () => {
    const { result, migration } = await run(null);
    expect(result.ok).toBe(true);
    expect(result.steps.map((s) => s.id)).toContain('migrating');
    expect(migration).toMatchObject({ changes: { kind: 'code-only', update: [] } });
    expect(migration?.backup).toBeUndefined();
  });

  it('online: backup, rehearsal on a copy, then the new module installed while blue serves (0 failed requests)', async () => {
    const load = steadyLoad(`http://127.0.0.1:${PORT}/web/login`, 3, 120_000);
    const { result, migration } = await run('1.1.0');
    const hits = await load.stop();
    expect(result, JSON.stringify(result.reason)).toMatchObject({ ok: true });
    expect(hits.filter((h) => h.status !== 200)).toEqual([]);
    expect(migration).toMatchObject({
      changes: { kind: 'schema-changing', update: [], install: ['flipdeck_lab'] },
      mode: 'online',
      backup: expect.stringMatching(/flipdeck-backups\/migtest-.*\.dump$/),
    });
    expect(await sql("SELECT latest_version FROM ir_module_module WHERE name = 'flipdeck_lab'")).toMatch(
      /^\d+\.0\.1\.1\.0$/,
    ); // Odoo prefixes the series
    // The backup is a real pg_dump on the server; the rehearsal copy is gone.
    const worker = (
      await labDocker.listContainers({ filters: { label: [`io.flipdeck.environment=${ENV}`, 'io.flipdeck.role=web'] } })
    )[0]!;
    const ls = await labDocker
      .getContainer(worker.Id)
      .exec({ Cmd: ['ls', '-l', '/var/lib/odoo/flipdeck-backups'], AttachStdout: true });
    const out = await new Promise<string>((resolve) =>
      ls.start({}, (_e, s) => {
        let t = '';
        s!.on('data', (c: Buffer) => (t += c.toString()));
        s!.on('end', () => resolve(t));
      }),
    );
    expect(out).toContain(path.basename(migration!.backup!));
    expect(await sql("SELECT count(*) FROM pg_database WHERE datname LIKE '%rehearsal%'")).toBe('0');
    const audit = await lab.ctx.call('audit.list', { environment: ENV, limit: 200 });
    expect(audit.map((r) => r.action)).toEqual(
      expect.arrayContaining(['oneoff.backup', 'oneoff.rehearsal', 'oneoff.update']),
    );
    const status = await lab.ctx.call('environments.status', { server: 'lab', env: ENV });
    expect(status.history?.[0]).toMatchObject({ outcome: 'live' });
  });

  it("a change only to another language's .po is code-only on an English-only database (click-odoo-update's rule)", async () => {
    const dir = source('mig-po', '1.1.0');
    mkdirSync(path.join(dir, 'addons', 'flipdeck_lab', 'i18n'), { recursive: true });
    writeFileSync(path.join(dir, 'addons', 'flipdeck_lab', 'i18n', 'fr.po'), 'msgid "Hello"\nmsgstr "Bonjour"\n');
    await applyEnv(lab.work, ENV, PORT, dir, ['drain_timeout: 5s']);
    const events: DeployProgress[] = [];
    const result = await lab.ctx.services.deployments.run(`lab/${ENV}`, 'deploy', {
      onProgress: (p) => events.push(p),
    });
    expect(result, JSON.stringify(result.reason)).toMatchObject({ ok: true });
    const migration = events.filter((e) => e.kind === 'migration').at(-1) as Extract<
      DeployProgress,
      { kind: 'migration' }
    >;
    expect(migration).toMatchObject({ changes: { kind: 'code-only', update: [] } });
    expect(migration.backup).toBeUndefined();
  });

  it('a failing rehearsal stops the deploy before the real database is touched; blue keeps serving', async () => {
    const live = await servingPool(PORT);
    const load = steadyLoad(`http://127.0.0.1:${PORT}/web/login`, 2, 120_000);
    const { result } = await run('1.2.0', [], 'flipdeck_broken');
    const hits = await load.stop();
    expect(result).toMatchObject({
      ok: false,
      failedStep: 'migrating',
      reason: { kind: 'command', stderr: expect.stringContaining('the real database was not touched') },
    });
    expect((result.reason as { argv: string[] }).argv.join(' ')).toContain('-u flipdeck_lab -i flipdeck_broken');
    expect(hits.filter((h) => h.status !== 200)).toEqual([]);
    expect(await servingPool(PORT)).toBe(live);
    expect(await sql("SELECT latest_version FROM ir_module_module WHERE name = 'flipdeck_lab'")).toMatch(
      /^\d+\.0\.1\.1\.0$/,
    ); // Odoo prefixes the series
  });

  it('a failing update without rehearsal leaves blue serving and says the backup restores it', async () => {
    const live = await servingPool(PORT);
    const { result } = await run('1.2.0', ['rehearse: false'], 'flipdeck_broken');
    expect(result).toMatchObject({
      ok: false,
      failedStep: 'migrating',
      reason: { kind: 'command', stderr: expect.stringContaining('the live pool kept serving') },
    });
    expect(await servingPool(PORT)).toBe(live);
  });

  it('cutover: the edge answers 503 + Retry-After for the update only, and the window is measured', async () => {
    const seen: { at: number; status: number; retryAfter: string | null }[] = [];
    let stop = false;
    const probe = (async () => {
      for (let i = 0; i < 5000 && !stop; i++) {
        const r = await fetch(`http://127.0.0.1:${PORT}/web/login`, { signal: AbortSignal.timeout(10_000) }).catch(
          () => null,
        );
        if (r) {
          await r.arrayBuffer();
          seen.push({ at: Date.now(), status: r.status, retryAfter: r.headers.get('retry-after') });
        }
        await new Promise((res) => setTimeout(res, 20));
      }
    })();
    const { result, migration } = await run('1.3.0', ['update_mode: cutover']);
    expect(migration?.changes.update).toEqual(['flipdeck_lab']);
    stop = true;
    await probe;
    expect(result, JSON.stringify(result.reason)).toMatchObject({ ok: true });
    expect(migration).toMatchObject({ mode: 'cutover', cutoverMs: expect.any(Number) });
    const maint = seen.filter((s) => s.status === 503);
    expect(maint.length).toBeGreaterThan(0);
    expect(maint.every((s) => s.retryAfter === '30')).toBe(true);
    expect(seen.every((s) => s.status === 200 || s.status === 503)).toBe(true);
    // The 503 window the client saw matches the measured cutover (probe spacing ~20 ms + request time).
    const window = maint.at(-1)!.at - maint[0]!.at;
    expect(window).toBeLessThanOrEqual(migration!.cutoverMs! + 500);
    expect(seen.at(-1)!.status).toBe(200);
    expect(await sql("SELECT latest_version FROM ir_module_module WHERE name = 'flipdeck_lab'")).toMatch(
      /^\d+\.0\.1\.3\.0$/,
    );
  });

  it('restore: refused while the migrated code is live; after the rollback, the backup comes back behind the maintenance page and the old database is kept aside', async () => {
    const listed = await cli(['restore', `lab/${ENV}`, '--json']);
    expect(listed.code, listed.err).toBe(0);
    const { backups, suggested } = JSON.parse(listed.out) as { backups: { name: string }[]; suggested?: string };
    expect(backups.length).toBeGreaterThan(0);
    const last = (await lab.ctx.call('environments.status', { server: 'lab', env: ENV })).history!.find(
      (h) => h.outcome === 'live' && h.kind === 'deploy',
    )!;
    expect(last).toBeDefined();
    const before = await cli(['restore', `lab/${ENV}`, backups[0]!.name, '--yes']);
    expect(before.code).toBe(3);
    expect(before.err).toContain('roll back first');
    expect(await cli(['restore', `lab/${ENV}`, backups[0]!.name])).toMatchObject({
      code: 3,
      err: expect.stringContaining('--yes'),
    });
    expect(await cli(['restore', `lab/${ENV}`, '../etc/passwd', '--yes'])).toMatchObject({ code: 2 });

    await sql("INSERT INTO res_users (login, password) VALUES ('written-after-backup', 'x')");
    const rolled = await cli(['rollback', `lab/${ENV}`, '--json']);
    expect(rolled.code, rolled.err).toBe(0);
    const after = JSON.parse((await cli(['restore', `lab/${ENV}`, '--json'])).out) as { suggested?: string };
    expect(after.suggested).toBeDefined();
    expect(suggested === undefined || suggested === after.suggested).toBe(true);
    const probe = steadyLoad(`http://127.0.0.1:${PORT}/web/login`, 2, 120_000);
    const r = await cli(['restore', `lab/${ENV}`, after.suggested!, '--yes', '--json']);
    const hits = await probe.stop();
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out) as { windowMs: number; keptAs: string; removedKept?: string };
    // The schema the rolled-back code expects is back; what was written after the backup lives on aside.
    expect(await sql("SELECT latest_version FROM ir_module_module WHERE name = 'flipdeck_lab'")).toMatch(
      /^\d+\.0\.1\.1\.0$/,
    );
    expect(await sql("SELECT count(*) FROM res_users WHERE login = 'written-after-backup'")).toBe('0');
    expect(await envSql(ENV, `SELECT datname FROM pg_database WHERE datname = '${out.keptAs}'`)).toBe(out.keptAs);
    expect(out.removedKept).toBeDefined();
    // Requests saw the old database, then the maintenance page for the swap only, then the restored one.
    expect(hits.every((h) => h.status === 200 || h.status === 503)).toBe(true);
    expect(hits.at(-1)?.status).toBe(200);
    expect(out.windowMs).toBeLessThan(30_000);
    const audit = await lab.ctx.call('audit.list', { environment: ENV, limit: 50 });
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(['oneoff.restore-copy', 'oneoff.restore-swap', 'restore.result']),
    );
    expect((await status(ENV)).kept).toBeNull();
  });
});
