// Dock journeys through the browser host against the lab: a shell in a worker and on the server
// (journey 6), a pool's live logs with pause and a level filter (journey 6), and the audit history
// with filters, a record's command and output, and the exported deploy report (journey 7).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import type { HostServices } from '../main/host/services';
import { cleanEnv } from './lab/lab-cli';
import { sourceDir } from './lab/lab-deploy';
import { readLabState } from './lab/lab';
import { ARTIFACTS, expect, test } from './fixtures/host';
import { addLabServer, call } from './fixtures/lab-server';

const lab = readLabState();
const ENV = 'docktest';
const PORT = 18_960;

test.use({ hostEnv: { FLIPDECK_TIMING: 'fast' } });
test.describe.configure({ mode: 'serial', timeout: 240_000 });
test.beforeAll(async () => {
  await cleanEnv(ENV);
});
test.afterAll(async () => {
  await cleanEnv(ENV);
});

/** The lab server and a live environment (deployed outside the UI when none is live yet). */
async function labWithLiveEnv(services: HostServices) {
  await addLabServer(services);
  await services.environments.apply({
    server: 'lab',
    name: ENV,
    source: sourceDir(lab, 'dock-1'),
    replicas: 2,
    public_bind: `127.0.0.1:${PORT}`,
    drain_timeout: '5s',
    ready_timeout: '40s',
    keep_window: '10m',
    edge_image: lab.images.proxy,
    db_image: lab.images.postgres,
  });
  const st = await call<{ live: string | null }>(services, 'environments.status', { server: 'lab', env: ENV });
  if (!st.live) expect((await services.deployments.run(`lab/${ENV}`, 'deploy')).ok).toBe(true);
}

async function openEnvironment(page: Page, url: string) {
  await page.goto(url);
  await page.getByRole('tree', { name: 'Clients and servers' }).getByText('lab', { exact: true }).click();
  const card = page.getByTestId(`env-${ENV}`);
  await expect(card.getByTestId('live-pool')).toHaveText(/live/, { timeout: 30_000 });
  return card;
}

test('terminal: a command in a worker and on the server; logs follow a pool, pause, filter by level', async ({
  page,
  flipdeck,
}) => {
  await labWithLiveEnv(flipdeck.services);
  const card = await openEnvironment(page, flipdeck.host.url);
  const worker = `flipdeck-${ENV}-blue-1`;

  await card.getByRole('button', { name: `Shell in ${worker}` }).click();
  const term = page.getByTestId(`terminal-lab: ${worker}`);
  await expect(term.locator('.xterm-rows')).toBeVisible();
  await term.locator('.xterm-screen').click();
  await page.keyboard.type('echo "answer=$((40+2))"; hostname\n');
  await expect(term.locator('.xterm-rows')).toContainText('answer=42', { timeout: 15_000 });
  await page.screenshot({ path: path.join(ARTIFACTS, 'dock-1-worker-shell.png') });
  await page.keyboard.type('exit 4\n');
  await expect(term.getByRole('status')).toContainText('exit 4', { timeout: 15_000 });

  // A second tab: a login shell on the server itself.
  await page.getByRole('button', { name: 'Terminal', exact: true }).click();
  const serverTerm = page.getByTestId('terminal-lab');
  await serverTerm.locator('.xterm-screen').click();
  await page.keyboard.type('id -un\n');
  await expect(serverTerm.locator('.xterm-rows')).toContainText(lab.ssh.user, { timeout: 15_000 });
  await expect(page.getByRole('tab')).toHaveCount(4); // two terminals, logs, audit

  // Logs of the live pool: both workers' lines, each labelled with its worker.
  await card.getByRole('button', { name: 'Logs', exact: true }).click();
  const logs = page.getByTestId('log-pane');
  await expect(logs).toBeVisible();
  for (const level of ['info', 'error'])
    await fetch(`http://127.0.0.1:${PORT}/flipdeck_lab/log?level=${level}&n=20&msg=journey-${level}`);
  await expect(logs.locator('.xterm-rows')).toContainText('journey-error', { timeout: 15_000 });
  await expect(logs.locator('.xterm-rows')).toContainText(/flipdeck-docktest-blue-[12] +│/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'dock-2-logs.png') });

  // Paused: new lines are held back and counted, then shown on resume.
  await logs.getByRole('button', { name: 'Pause' }).click();
  await fetch(`http://127.0.0.1:${PORT}/flipdeck_lab/log?level=warning&n=30&msg=while-paused`);
  await expect(logs.getByRole('button', { name: /Resume \([1-9]\d* new\)/ })).toBeVisible({ timeout: 15_000 });
  await expect(logs.locator('.xterm-rows')).not.toContainText('while-paused');
  await logs.getByRole('button', { name: /Resume/ }).click();
  // The held lines are shown; warnings only, so the edge's steady health-check lines (info, several a
  // second) cannot scroll them off the few rows on screen before the check reads them.
  const levels = logs.getByRole('group', { name: 'Filter by level' });
  await levels.getByLabel('warning').check();
  await expect(logs.locator('.xterm-rows')).toContainText('while-paused', { timeout: 10_000 });
  await levels.getByLabel('warning').uncheck();

  // Only errors: info and warning lines leave the screen.
  await levels.getByLabel('error').check();
  await expect(logs.locator('.xterm-rows')).toContainText('journey-error');
  await expect(logs.locator('.xterm-rows')).not.toContainText('while-paused');
  await page.screenshot({ path: path.join(ARTIFACTS, 'dock-3-logs-errors-only.png') });
});

test('audit history: filters, a command with its output, and the exported deploy report', async ({
  page,
  flipdeck,
}) => {
  await labWithLiveEnv(flipdeck.services);
  await flipdeck.services.environments.apply({
    server: 'lab',
    name: ENV,
    source: sourceDir(lab, 'dock-2'),
    replicas: 2,
    public_bind: `127.0.0.1:${PORT}`,
    drain_timeout: '5s',
    ready_timeout: '40s',
    keep_window: '10m',
    edge_image: lab.images.proxy,
    db_image: lab.images.postgres,
  });
  const result = await flipdeck.services.deployments.run(`lab/${ENV}`, 'deploy');
  expect(result.ok).toBe(true);
  await openEnvironment(page, flipdeck.host.url);
  await page.getByRole('tab', { name: 'Audit history' }).click();
  const table = page.getByRole('table', { name: 'Audit history' });
  await expect(table).toContainText('edge.flip');
  await expect(page.getByTestId('audit-chain')).toContainText('chain intact');

  await page.getByRole('combobox', { name: 'Kind' }).selectOption('deploy');
  await expect(table).toContainText('deploy.result');
  await expect(table).not.toContainText('edge.flip');
  await page.getByRole('combobox', { name: 'Kind' }).selectOption('docker');
  await page.getByRole('searchbox', { name: 'Search commands and output' }).fill('docker run');
  await table
    .getByRole('button', { name: /Details of record \d+: docker\.container\.run/ })
    .first()
    .click({ timeout: 15_000 });
  await expect(page.getByTestId('audit-command')).toContainText(`docker run -d --name flipdeck-${ENV}-`);
  // The build's record holds what the build printed.
  await page.getByRole('searchbox', { name: 'Search commands and output' }).fill('docker build');
  await table
    .getByRole('button', { name: /Details of record \d+: docker\.build/ })
    .first()
    .click({ timeout: 15_000 });
  await expect(page.getByTestId('audit-output')).not.toBeEmpty();
  await page.screenshot({ path: path.join(ARTIFACTS, 'audit-1-command.png') });

  // The deploy's own record exports its report.
  await page.getByRole('button', { name: 'Clear' }).click();
  await page.getByRole('combobox', { name: 'Environment' }).selectOption(ENV);
  await page.getByRole('combobox', { name: 'Kind' }).selectOption('deploy');
  await table
    .getByRole('button', { name: /deploy\.result/ })
    .first()
    .click({ timeout: 15_000 });
  await page.getByRole('button', { name: 'Export deploy report' }).click();
  const saved = page.getByTestId('report-path');
  await expect(saved).toContainText('.html');
  const file = (await saved.textContent())!.replace(/^Saved to /, '');
  const html = readFileSync(file, 'utf8');
  expect(html).toContain(`Deploy of lab/${ENV}`);
  expect(html).toContain('succeeded');
  expect(html).toContain(result.deployId);
  expect(html).toMatch(/haproxy set server/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'audit-2-report.png') });
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: /Download flipdeck-lab-docktest-/ }).click();
  expect((await download).suggestedFilename()).toBe(path.basename(file));
  // Keyboard first: the command palette switches the theme and opens an environment's deploy wizard.
  await page.keyboard.press('Control+K');
  const palette = page.getByRole('dialog', { name: 'Command palette' });
  await palette.getByRole('combobox').fill('theme dark');
  await page.keyboard.press('Enter');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.keyboard.press('Control+K');
  await palette.getByRole('combobox').fill(`deploy ${ENV}`);
  await expect(palette.getByRole('option')).toHaveCount(1);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog', { name: `Deploy lab/${ENV}` })).toBeVisible();
  await page.screenshot({ path: path.join(ARTIFACTS, 'dock-4-dark-theme-wizard.png') });
  await page.goto(`file://${file}`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'audit-3-report-file.png'), fullPage: true });
});
