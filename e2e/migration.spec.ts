// A schema-changing deploy through the wizard: the pre-flight names the modules, the operator picks
// the short cutover, and the summary reports the backup and the measured maintenance window.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { HostServices } from '../main/host/services';
import { cleanEnv } from './lab/lab-cli';
import { sourceDir } from './lab/lab-deploy';
import { readLabState } from './lab/lab';
import { ARTIFACTS, expect, test } from './fixtures/host';
import { addLabServer } from './fixtures/lab-server';

const lab = readLabState();
const ENV = 'uimig';
const PORT = 18_985;

test.use({ hostEnv: { FLIPDECK_TIMING: 'fast' } });
test.describe.configure({ timeout: 240_000 });
test.beforeAll(async () => cleanEnv(ENV));
test.afterAll(async () => cleanEnv(ENV));

const apply = (services: HostServices, source: string) =>
  services.environments.apply({
    server: 'lab',
    name: ENV,
    source,
    replicas: 1,
    public_bind: `127.0.0.1:${PORT}`,
    drain_timeout: '5s',
    ready_timeout: '40s',
    keep_window: '10m',
    edge_image: lab.images.proxy,
    db_image: lab.images.postgres,
  });

test('a schema-changing deploy: modules named, short cutover chosen, backup and maintenance window reported; rolled back, then the backup restored', async ({
  page,
  flipdeck,
}) => {
  await addLabServer(flipdeck.services);
  // Live without any addon of ours; the next source brings one, so the deploy installs it.
  const base = sourceDir(lab, 'uimig-base');
  rmSync(path.join(base, 'addons', 'flipdeck_lab'), { recursive: true });
  writeFileSync(path.join(base, 'addons', '.keep'), '');
  await apply(flipdeck.services, base);
  expect((await flipdeck.services.deployments.run(`lab/${ENV}`, 'deploy')).ok).toBe(true);
  const next = sourceDir(lab, 'uimig-next');
  mkdirSync(path.join(next, 'addons'), { recursive: true });
  await apply(flipdeck.services, next);

  await page.goto(flipdeck.host.url);
  await page.getByRole('tree', { name: 'Clients and servers' }).getByText('lab', { exact: true }).click();
  const card = page.getByTestId(`env-${ENV}`);
  await expect(card.getByTestId('live-pool')).toHaveText(/live/, { timeout: 30_000 });
  await card.getByRole('button', { name: 'Deploy…' }).click();
  const wizard = page.getByRole('dialog', { name: `Deploy lab/${ENV}` });
  await expect(wizard.getByTestId('check-modules')).toContainText('schema-changing deploy: new flipdeck_lab', {
    timeout: 30_000,
  });
  const mode = wizard.getByTestId('update-mode');
  await mode.getByRole('radio', { name: /Short cutover/ }).check();
  await wizard.getByRole('checkbox', { name: /I have read the warnings/ }).check();
  await page.screenshot({ path: path.join(ARTIFACTS, 'migration-1-preflight.png') });
  await wizard.getByRole('button', { name: 'Start deploy' }).click();
  await wizard.getByRole('button', { name: 'Flip traffic now' }).click({ timeout: 120_000 });
  await expect(wizard.getByTestId('deploy-summary')).toBeVisible({ timeout: 120_000 });
  const migration = wizard.getByTestId('migration');
  await expect(migration).toContainText('Schema-changing deploy');
  await expect(migration).toContainText('Installed (-i): flipdeck_lab');
  await expect(migration).toContainText(/Database backup: .*flipdeck-backups\/uimig-.*\.dump/);
  await expect(migration).toContainText(/maintenance page \(503 \+ Retry-After\) for \d+\.\d s/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'migration-2-summary.png') });

  // Roll back over the migrated database: the dialog says so, then offers the backup taken before it.
  await wizard.getByRole('button', { name: 'Close' }).last().click();
  await card.getByTestId('emergency-rollback').click();
  const rollback = page.getByRole('alertdialog', { name: /^Roll back lab\/uimig to / });
  await expect(rollback.getByTestId('rollback-migrated')).toContainText('The database was migrated');
  await rollback.getByRole('button', { name: 'Roll back now' }).click();
  await expect(rollback.getByTestId('deploy-summary')).toBeVisible({ timeout: 60_000 });
  await rollback.getByRole('button', { name: 'Restore the database backup…' }).click();
  const restore = page.getByRole('alertdialog', { name: `Restore a database backup of lab/${ENV}` });
  const suggested = restore.getByRole('radio', { checked: true });
  await expect(restore.getByText("taken before the kept pool's migration")).toBeVisible({ timeout: 30_000 });
  await expect(suggested).toHaveValue(/^uimig-.*\.dump$/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'migration-3-restore-confirm.png') });
  await restore.getByRole('button', { name: /^Restore uimig-/ }).click();
  await expect(restore.getByTestId('restore-outcome')).toContainText(/maintenance page was shown for \d+\.\d s/, {
    timeout: 120_000,
  });
  await expect(restore.getByTestId('restore-outcome')).toContainText(/kept as uimig_before_restore_/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'migration-4-restored.png') });
  const audit = await flipdeck.services.handlers['audit.list']({ environment: ENV, limit: 50 }, { transport: 'test' });
  expect(audit.find((a) => a.action === 'restore.result')).toMatchObject({ ok: true });
});
