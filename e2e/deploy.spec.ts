// Deploy journeys through the browser host against the lab: the full wizard under a bounded load
// (aimed only at the edge's 127.0.0.1 port), the emergency rollback, and a green that never gets
// ready ending on a failure card while blue keeps serving.
import path from 'node:path';
import type { Page } from '@playwright/test';
import { dispatch } from '../main/host/dispatch';
import type { HostServices } from '../main/host/services';
import { cleanEnv, servingPool } from './lab/lab-cli';
import { sourceDir, steadyLoad } from './lab/lab-deploy';
import { readLabState } from './lab/lab';
import { ARTIFACTS, expect, test } from './fixtures/host';
import { addLabServer } from './fixtures/lab-server';

const lab = readLabState();
const ENV = 'uitest';
const PORT = 18_900;

test.use({ hostEnv: { FLIPDECK_TIMING: 'fast' } });
test.describe.configure({ mode: 'serial', timeout: 300_000 });
test.beforeAll(async () => {
  await cleanEnv(ENV);
});
test.afterAll(async () => {
  await cleanEnv(ENV);
});

/** The lab server (host key pinned) and the environment definition, in this run's Flipdeck home. */
async function addLabAndEnv(services: HostServices, version: string, over: Record<string, unknown> = {}) {
  await addLabServer(services);
  await applyVersion(services, version, over);
}

function applyVersion(services: HostServices, version: string, over: Record<string, unknown> = {}) {
  return services.environments.apply({
    server: 'lab',
    name: ENV,
    source: sourceDir(lab, version),
    replicas: 2,
    public_bind: `127.0.0.1:${PORT}`,
    drain_timeout: '10s',
    ready_timeout: '40s',
    keep_window: '10m',
    edge_image: lab.images.proxy,
    db_image: lab.images.postgres,
    ...over,
  });
}

/** Runs alone too: when no earlier journey left a live pool, deploy the applied version first (not through the UI). */
async function ensureLive(services: HostServices) {
  const st = await dispatch(
    services.handlers,
    'environments.status',
    { server: 'lab', env: ENV },
    { transport: 'test' },
  );
  if (st.ok && (st.value as { live: string | null }).live) return;
  expect((await services.deployments.run(`lab/${ENV}`, 'deploy')).ok).toBe(true);
}

async function openEnvironment(page: Page, url: string) {
  await page.goto(url);
  await page.getByRole('tree', { name: 'Clients and servers' }).getByText('lab', { exact: true }).click();
  const card = page.getByTestId(`env-${ENV}`);
  await expect(card).toBeVisible({ timeout: 30_000 });
  return card;
}

test('full deploy through the wizard under load (0 failed), then the emergency rollback', async ({
  page,
  flipdeck,
}) => {
  await addLabAndEnv(flipdeck.services, 'ui-1');
  expect((await flipdeck.services.deployments.run(`lab/${ENV}`, 'deploy')).ok).toBe(true);
  const card = await openEnvironment(page, flipdeck.host.url);
  await expect(card.getByTestId('live-pool')).toHaveText('blue live', { timeout: 20_000 });
  await page.screenshot({ path: path.join(ARTIFACTS, 'deploy-1-environment.png') });

  await applyVersion(flipdeck.services, 'ui-2');
  const load = steadyLoad(`http://127.0.0.1:${PORT}/web/login`, 4, 180_000);
  await card.getByRole('button', { name: 'Deploy…' }).click();
  const wizard = page.getByRole('dialog', { name: `Deploy lab/${ENV}` });
  await expect(wizard.getByTestId('check-lock')).toContainText('no deploy in progress', { timeout: 30_000 });
  await page.screenshot({ path: path.join(ARTIFACTS, 'deploy-2-preflight.png') });
  await wizard.getByRole('button', { name: 'Start deploy' }).click();

  const flip = wizard.getByRole('button', { name: 'Flip traffic now' });
  await expect(flip).toBeVisible({ timeout: 120_000 });
  await expect(wizard.getByRole('table', { name: 'Readiness per worker' })).toContainText('flipdeck-uitest-green-1');
  await expect(wizard.getByTestId('step-build')).toHaveAttribute('data-state', 'done');
  await page.screenshot({ path: path.join(ARTIFACTS, 'deploy-3-ready-to-flip.png') });
  await flip.click();

  const summary = wizard.getByTestId('deploy-summary');
  await expect(summary).toBeVisible({ timeout: 120_000 });
  await expect(summary.getByTestId('summary-counters')).toContainText(/served \d+ requests; 0 failed/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'deploy-4-summary.png') });
  const hits = await load.stop();
  expect(hits.filter((h) => h.status !== 200)).toEqual([]);
  expect(await servingPool(PORT)).toBe('green');
  await wizard.getByRole('button', { name: 'Close' }).last().click();

  // Emergency rollback: always there while a pool is kept; one confirm.
  await expect(card.getByTestId('live-pool')).toHaveText('green live', { timeout: 20_000 });
  await card.getByTestId('emergency-rollback').click();
  const confirm = page.getByRole('alertdialog', { name: `Roll back lab/${ENV} to blue` });
  await page.screenshot({ path: path.join(ARTIFACTS, 'deploy-5-rollback-confirm.png') });
  await confirm.getByRole('button', { name: 'Roll back now' }).click();
  await expect(confirm.getByTestId('deploy-summary')).toBeVisible({ timeout: 60_000 });
  expect(await servingPool(PORT)).toBe('blue');
  await confirm.getByRole('button', { name: 'Close' }).click();
  await expect(card.getByTestId('live-pool')).toHaveText('blue live', { timeout: 20_000 });
  await page.screenshot({ path: path.join(ARTIFACTS, 'deploy-6-rolled-back.png') });
});

test('a green that never gets ready ends on a failure card with the last probes; blue still serves; retry is offered', async ({
  page,
  flipdeck,
}) => {
  // The environment is already on the server (the previous journey left blue live): a new laptop sees it.
  await addLabAndEnv(flipdeck.services, 'ui-base');
  await ensureLive(flipdeck.services);
  await flipdeck.services.environments.apply({
    server: 'lab',
    name: ENV,
    source: sourceDir(lab, 'ui-hang', { dockerfileExtra: 'ENV STANDIN_BOOT_HANG=1' }),
    replicas: 2,
    public_bind: `127.0.0.1:${PORT}`,
    drain_timeout: '10s',
    ready_timeout: '3s',
    keep_window: '10m',
    edge_image: lab.images.proxy,
    db_image: lab.images.postgres,
  });
  const live = await servingPool(PORT);
  const card = await openEnvironment(page, flipdeck.host.url);
  await expect(card.getByTestId('live-pool')).toHaveText(`${live} live`, { timeout: 20_000 });
  await card.getByRole('button', { name: 'Deploy…' }).click();
  const wizard = page.getByRole('dialog', { name: `Deploy lab/${ENV}` });
  await expect(wizard.getByTestId('check-lock')).toBeVisible({ timeout: 30_000 });
  await wizard.getByRole('button', { name: 'Start deploy' }).click();
  const failure = wizard.getByTestId('failure-card');
  await expect(failure).toBeVisible({ timeout: 120_000 });
  await expect(failure).toContainText('Failed at Readiness');
  await expect(failure).toContainText('/web/login');
  await expect(failure.getByRole('button', { name: 'Retry' })).toBeVisible();
  await expect(wizard.getByTestId('step-green_ready')).toHaveAttribute('data-state', 'failed');
  await page.screenshot({ path: path.join(ARTIFACTS, 'deploy-7-failure-card.png') });
  expect(await servingPool(PORT)).toBe(live);
});

test('resource sliders: memory raised live (no restart); below usage refused; below the Odoo floor needs an override', async ({
  page,
  flipdeck,
}) => {
  await addLabAndEnv(flipdeck.services, 'ui-res', { odoo_version: '17.0' });
  await ensureLive(flipdeck.services);
  const live = await servingPool(PORT);
  const card = await openEnvironment(page, flipdeck.host.url);
  await expect(card.getByTestId('live-pool')).toHaveText(`${live} live`, { timeout: 20_000 });
  // One worker holds 300 MiB, as a busy Odoo worker would.
  const held = await fetch(`http://127.0.0.1:${PORT}/flipdeck_lab/alloc?mb=300`);
  expect(held.status).toBe(200);
  const worker = held.headers.get('x-flipdeck-worker')!;
  const docker = (await import('./lab/lab-cli')).labDocker;
  const before = await docker.getContainer(worker).inspect();

  await card.getByRole('button', { name: 'Resources…' }).click();
  const dialog = page.getByRole('dialog', { name: `Resources of the ${live} pool (lab/${ENV})` });
  await expect(dialog.getByRole('table', { name: 'Current usage' })).toContainText(worker, { timeout: 30_000 });
  await expect(dialog).toContainText('Odoo 17.0 needs at least 1536 MiB');
  const slider = dialog.getByRole('slider', { name: 'Memory (MiB)' });
  await slider.fill('256');
  await expect(dialog.getByRole('alert')).toContainText('Below what the workers use now');
  await expect(dialog.getByRole('button', { name: 'Apply live' })).toBeDisabled();
  await page.screenshot({ path: path.join(ARTIFACTS, 'deploy-8-resources-refused.png') });

  await slider.fill('1024');
  await expect(dialog.getByRole('button', { name: 'Apply live' })).toBeDisabled();
  await dialog.getByLabel(/Go below the 1536 MiB floor anyway/).check();
  await dialog.getByRole('button', { name: 'Apply live' }).click();
  await expect(dialog.getByRole('status')).toContainText('1280 MiB', { timeout: 30_000 });

  await slider.fill('2048');
  await dialog.getByRole('button', { name: 'Apply live' }).click();
  await expect(dialog.getByRole('status')).toContainText('2048 MiB', { timeout: 30_000 });
  await page.screenshot({ path: path.join(ARTIFACTS, 'deploy-9-resources-applied.png') });
  const after = await docker.getContainer(worker).inspect();
  expect(after.HostConfig.Memory).toBe(2048 * 1024 ** 2);
  expect([after.State.StartedAt, after.RestartCount]).toEqual([before.State.StartedAt, before.RestartCount]);
  const audit = await flipdeck.services.handlers['audit.list']({ limit: 100 }, { transport: 'test' });
  expect(audit.filter((a) => a.action === 'resources.update').length).toBeGreaterThanOrEqual(4);
});
