// The stand-in's database side as Odoo's source has it (odoo-standin/README.md's table): demo data,
// which database a request uses, logins with CSRF and Odoo's session ids, the base URL an
// administrator's login records. One PostgreSQL, several databases, one-off runs and short workers.
import { chmodSync, cpSync, mkdtempSync, utimesSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLabState } from './lab';
import { ADDONS, StandinKit } from './standin-kit';
import { browserLogin, downloadAttachment, uploadAttachment } from './odoo-login';

const kit = new StandinKit(readLabState(), 'standin-db');
const FAST = ['STANDIN_BOOT_SECONDS=0'];

/** GET with any Host header (fetch does not let a caller set Host). */
function get(url: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; location: string | null }>((resolve, reject) => {
    const req = http.get(url, { headers, timeout: 15_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location ?? null }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within 15 s`)));
    req.on('error', reject);
  });
}

async function init(db: string, extra: string[] = [], env: string[] = []) {
  const r = await kit.runOnce(['-d', db, '-i', 'base', ...extra, '--stop-after-init', ...kit.addonsPath(1)], {
    addons: [ADDONS.good],
    env,
  });
  expect(r.code, r.output).toBe(0);
  return r.output;
}

const demoUsers = (db: string) => kit.sql("SELECT count(*) FROM res_users WHERE login IN ('demo', 'portal')", db);
const param = (db: string, key: string) => kit.sql(`SELECT value FROM ir_config_parameter WHERE key = '${key}'`, db);

beforeAll(async () => {
  await kit.setup();
  await kit.postgres();
  await init('plain', ['--without-demo=all']);
  await init('urls', ['--without-demo=all']);
  await init('crons', ['--without-demo=all']);
}, 120_000);
afterAll(() => kit.cleanup());

describe('demo data (odoo/tools/config.py, odoo/modules/loading.py, graph.py should_have_demo)', () => {
  it('17.0: -i on a new database loads demo data (users demo and portal) unless --without-demo', async () => {
    const out = await init('withdemo');
    expect(out).toMatch(/Module base: loading demo/);
    expect(await demoUsers('withdemo')).toBe('2');
    expect(await kit.sql("SELECT demo FROM ir_module_module WHERE name = 'base'", 'withdemo')).toBe('t');
    expect(await demoUsers('plain')).toBe('0');
    expect(await kit.sql("SELECT demo FROM ir_module_module WHERE name = 'base'", 'plain')).toBe('f');
  });

  it('a later -i on a database created without demo loads none (every dependency must have demo)', async () => {
    const r = await kit.runOnce(['-d', 'plain', '-i', 'flipdeck_lab', '--stop-after-init', ...kit.addonsPath(1)], {
      addons: [ADDONS.good],
    });
    expect(r.code, r.output).toBe(0);
    expect(r.output).not.toMatch(/loading demo/);
    expect(await kit.sql("SELECT demo FROM ir_module_module WHERE name = 'flipdeck_lab'", 'plain')).toBe('f');
  });

  it('19.0 inverts it: no demo data unless --with-demo', async () => {
    await init('v19', [], ['STANDIN_ODOO_VERSION=19.0']);
    expect(await demoUsers('v19')).toBe('0');
    await init('v19demo', ['--with-demo'], ['STANDIN_ODOO_VERSION=19.0']);
    expect(await demoUsers('v19demo')).toBe('2');
  });
});

describe('database selection (odoo/http.py db_filter, odoo/service/db.py list_dbs)', () => {
  beforeAll(async () => {
    await kit.sql('CREATE ROLE dba', 'postgres');
    await kit.sql('CREATE DATABASE ext OWNER dba', 'postgres');
    await init('ext', ['--without-demo=all']);
  }, 60_000);

  it('with a dbfilter, a database owned by another role is never listed: every page goes to the selector', async () => {
    const w = await kit.worker('filtered', ['-d', 'ext', '--db-filter', '^ext$'], { env: FAST });
    await kit.waitForLog(w.container, /Registry loaded/, 10_000);
    const r = await get(`${w.url}/web/login`);
    expect(r.status).toBe(303);
    expect(r.location).toMatch(/\/web\/database\/selector$/);
  });

  it('with --database alone, the database is used whoever owns it', async () => {
    const w = await kit.worker('named', ['-d', 'ext'], { env: FAST });
    await kit.waitForLog(w.container, /Registry loaded/, 10_000);
    expect((await get(`${w.url}/web/login`)).status).toBe(200);
  });

  it("a dbfilter ignores --database, and %d is the host's first label after a leading www.", async () => {
    const w = await kit.worker('pattern', ['-d', 'nowhere', '--db-filter', '^%d$'], { env: FAST });
    await kit.waitForLog(w.container, /Registry loaded/, 10_000);
    expect((await get(`${w.url}/web/login`, { host: 'www.plain.example' })).status).toBe(200);
    expect((await get(`${w.url}/web/login`, { host: 'other.example' })).location).toMatch(/selector$/);
  });
});

describe('logins as a browser does them (addons/web/controllers/home.py, odoo/http.py)', () => {
  it('refuses a login POST without the CSRF token of the page (400), and takes one with it', async () => {
    const w = await kit.worker('csrf', ['-d', 'plain'], { env: FAST });
    await kit.waitForLog(w.container, /Registry loaded/, 10_000);
    const bare = await fetch(`${w.url}/web/login`, {
      method: 'POST',
      body: new URLSearchParams({ login: 'admin', password: 'admin' }),
      redirect: 'manual',
    });
    expect(bare.status).toBe(400);
    expect(await bare.text()).toContain('Session expired (invalid CSRF token)');
    const ok = await browserLogin(w.url, 'admin', 'admin');
    expect(ok.status).toBe(303);
    // 17.0: a 40-character sha1 hex session id, rotated by the login.
    expect(ok.cookie).toMatch(/^session_id=[0-9a-f]{40}$/);
  });

  it('18.0: session ids are 84 url-safe characters', async () => {
    const w = await kit.worker('sid18', ['-d', 'plain'], { env: [...FAST, 'STANDIN_ODOO_VERSION=18.0'] });
    await kit.waitForLog(w.container, /Registry loaded/, 10_000);
    const ok = await browserLogin(w.url, 'admin', 'admin');
    expect(ok.status).toBe(303);
    expect(ok.cookie).toMatch(/^session_id=[A-Za-z0-9_-]{84}$/);
  });
});

describe('the base URL (odoo/http.py ProxyFix, res_users.authenticate)', () => {
  it('an admin login records the request root: forwarded headers count only with proxy_mode and X-Forwarded-Host', async () => {
    const w = await kit.worker('proxied', ['-d', 'urls', '--proxy-mode'], { env: FAST });
    await kit.waitForLog(w.container, /Registry loaded/, 10_000);
    expect(await param('urls', 'web.base.url')).toBe('http://localhost:8069');
    // X-Forwarded-Proto alone: ProxyFix is not applied.
    await browserLogin(w.url, 'admin', 'admin', { 'x-forwarded-proto': 'https' });
    expect(await param('urls', 'web.base.url')).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await browserLogin(w.url, 'admin', 'admin', { 'x-forwarded-host': 'shop.example', 'x-forwarded-proto': 'https' });
    expect(await param('urls', 'web.base.url')).toBe('https://shop.example');
  });

  it('web.base.url.freeze keeps it whatever the login', async () => {
    await kit.sql("INSERT INTO ir_config_parameter VALUES ('web.base.url.freeze', 'True')", 'urls');
    const w = await kit.worker('frozen', ['-d', 'urls'], { env: FAST });
    await kit.waitForLog(w.container, /Registry loaded/, 10_000);
    await browserLogin(w.url, 'admin', 'admin');
    expect(await param('urls', 'web.base.url')).toBe('https://shop.example');
  });
});

describe('crons as Odoo runs them (ir_cron._process_jobs, _acquire_one_job, _check_modules_state)', () => {
  const CRON = ['-d', 'crons', '--max-cron-threads', '1'];
  const ENV = [...FAST, 'STANDIN_CRON_INTERVAL=0.3'];

  it('a running job holds its row for its whole run (SKIP LOCKED skips it); SIGTERM cuts it and its transaction rolls back', async () => {
    await kit.sql(
      "INSERT INTO ir_cron (cron_name, code, interval_number, interval_type, numbercall) VALUES ('long', 'sleep:20', 1, 'days', 1)",
      'crons',
    );
    const id = await kit.sql("SELECT id FROM ir_cron WHERE cron_name = 'long'", 'crons');
    const w = await kit.worker('cron-cut', CRON, { env: ENV });
    await kit.waitForLog(w.container, /Starting job `long`/, 15_000);
    const free = await kit.sql(
      `BEGIN; SELECT 'free:' || id FROM ir_cron FOR NO KEY UPDATE SKIP LOCKED; ROLLBACK`,
      'crons',
    );
    expect(free).toMatch(/free:\d+/); // the idle heartbeat job is taken …
    expect(free.split('\n')).not.toContain(`free:${id}`); // … the running one is skipped
    await w.container.stop({ t: 1 });
    expect(await kit.sql(`SELECT count(*) FROM flipdeck_cron_start WHERE cron_id = ${id}`, 'crons')).toBe('1');
    expect(await kit.sql(`SELECT count(*) FROM flipdeck_cron_run WHERE cron_id = ${id}`, 'crons')).toBe('0');
    // nextcall and numbercall did not move: the next runner runs it again.
    expect(await kit.sql(`SELECT numbercall FROM ir_cron WHERE id = ${id}`, 'crons')).toBe('1');
    await kit.sql(`DELETE FROM ir_cron WHERE id = ${id}`, 'crons');
  });

  it("skips the database while a module is 'to upgrade'", async () => {
    await kit.sql("UPDATE ir_module_module SET state = 'to upgrade' WHERE name = 'base'", 'crons');
    await kit.sql('DELETE FROM flipdeck_cron_heartbeat', 'crons');
    const w = await kit.worker('cron-skip', CRON, { env: ENV });
    await kit.waitForLog(w.container, /Skipping database crons because of modules to install\/upgrade\/remove/, 15_000);
    expect(await kit.sql('SELECT count(*) FROM flipdeck_cron_heartbeat', 'crons')).toBe('0');
    await kit.sql("UPDATE ir_module_module SET state = 'installed' WHERE name = 'base'", 'crons');
    for (let i = 0; i < 50 && (await kit.sql('SELECT count(*) FROM flipdeck_cron_heartbeat', 'crons')) === '0'; i++)
      await new Promise((r) => setTimeout(r, 200));
    expect(Number(await kit.sql('SELECT count(*) FROM flipdeck_cron_heartbeat', 'crons'))).toBeGreaterThan(0);
    await w.container.stop({ t: 1 }); // one cron runner per database from here on
  });
});

describe('attachments (ir_attachment._file_write, _gc_file_store; binary.py upload_attachment; ir.binary)', () => {
  it('stores uploads in the shared filestore by sha1, serves them from any worker, and collects only unreferenced files', async () => {
    const volume = `${kit.label}-files`;
    await kit.docker.createVolume({ Name: volume, Labels: { 'io.flipdeck.test': kit.label } });
    const args = ['-d', 'crons', '--max-cron-threads', '1'];
    const a = await kit.worker('files-a', args, { env: [...FAST, 'STANDIN_CRON_INTERVAL=0.3'], volume });
    const b = await kit.worker('files-b', ['-d', 'crons', '--max-cron-threads', '0'], { env: FAST, volume });
    await kit.waitForLog(b.container, /Registry loaded/, 10_000);
    const login = await browserLogin(a.url, 'admin', 'admin');
    const keep = Buffer.from('kept invoice ' + Date.now());
    const gone = Buffer.from('deleted scan ' + Date.now());
    const bare = await fetch(`${a.url}/web/binary/upload_attachment`, { method: 'POST', redirect: 'manual' });
    expect(bare.status).toBe(303); // a user route: no session, the login page
    const up1 = await uploadAttachment(a.url, login.cookie!, { name: 'invoice.txt', data: keep, type: 'text/plain' });
    const up2 = await uploadAttachment(a.url, login.cookie!, { name: 'scan.txt', data: gone, type: 'text/plain' });
    expect([up1.status, up2.status]).toEqual([200, 200]);
    const got = await downloadAttachment(b.url, login.cookie!, up1.id!);
    expect([got.status, got.data.toString()]).toEqual([200, keep.toString()]);
    const sha = (await kit.sql(`SELECT store_fname FROM ir_attachment WHERE id = ${up2.id}`, 'crons')).trim();
    expect(sha).toMatch(/^[0-9a-f]{2}\/[0-9a-f]{40}$/);
    // Deleted in the database: the file stays until the autovacuum collects it (checklisted at write).
    await kit.sql(`DELETE FROM ir_attachment WHERE id = ${up2.id}`, 'crons');
    await kit.sql(
      "INSERT INTO ir_cron (cron_name, code, interval_number, interval_type, numbercall) VALUES ('Base: Auto-vacuum internal data', 'autovacuum', 1, 'days', 1)",
      'crons',
    );
    await kit.waitForLog(a.container, /filestore gc \d+ checked, 1 removed/, 15_000);
    expect((await downloadAttachment(b.url, login.cookie!, up1.id!)).status).toBe(200);
    expect((await downloadAttachment(b.url, login.cookie!, up2.id!)).status).toBe(404);
  });
});

describe('asset bundles (assetsbundle.py get_checksum, clean_attachments, save_attachment; binary.py content_assets)', () => {
  it('one version per database: two code versions serving at once delete and regenerate each other (the ping-pong)', async () => {
    // The same addon with a newer file: a new bundle version, as a rebuilt image's files have new mtimes.
    const newer = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-assets-'));
    chmodSync(newer, 0o755); // the image's odoo user reads the mount
    cpSync(ADDONS.good, newer, { recursive: true, preserveTimestamps: true });
    const js = path.join(newer, 'flipdeck_lab', 'static', 'src', 'js', 'lab.js');
    utimesSync(js, new Date(), new Date(Date.now() + 60_000));
    const a = await kit.worker('assets-a', ['-d', 'plain', ...kit.addonsPath(1)], { env: FAST, addons: [ADDONS.good] });
    const b = await kit.worker('assets-b', ['-d', 'plain', ...kit.addonsPath(1)], { env: FAST, addons: [newer] });
    await kit.waitForLog(b.container, /Registry loaded/, 10_000);
    const bundleOf = async (url: string) => {
      const page = await fetch(`${url}/web/login`);
      return /src="(\/web\/assets\/[0-9a-f]{7}\/web\.assets_frontend\.min\.js)"/.exec(await page.text())![1]!;
    };
    const [ua, ub] = [await bundleOf(a.url), await bundleOf(b.url)];
    expect(ua).not.toBe(ub);
    const rows = () => kit.sql("SELECT url FROM ir_attachment WHERE url LIKE '/web/assets/%' ORDER BY id", 'plain');
    expect((await fetch(`${a.url}${ua}`)).status).toBe(200);
    expect(await rows()).toBe(ua);
    expect((await fetch(`${b.url}${ub}`)).status).toBe(200);
    expect(await rows()).toBe(ub); // b's save deleted a's
    // An old page's asset request reaching the other worker: its own version regenerated, and a redirect.
    const cross = await fetch(`${a.url}${ub}`, { redirect: 'manual' });
    expect([cross.status, cross.headers.get('location')]).toEqual([302, ua]);
    expect(await rows()).toBe(ua);
    const generated = (await kit.logs(a.container)).match(/Generated asset bundle/g)?.length ?? 0;
    expect(generated).toBe(2);
  });
});
