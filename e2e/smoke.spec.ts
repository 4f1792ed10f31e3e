// Smoke journey: open the app → add the lab server → accept its host key → see its containers.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { readLabState } from './lab/lab';
import { ARTIFACTS, expect, test } from './fixtures/host';

const lab = readLabState();
const docker = new Docker({ socketPath: lab.dockerSocket });
const NAME = 'flipdeck-smoke-worker';

test.beforeAll(async () => {
  await docker
    .getContainer(NAME)
    .remove({ force: true })
    .catch(() => undefined);
  const c = await docker.createContainer({
    name: NAME,
    Image: lab.images.base,
    Cmd: ['sleep', '300'],
    Labels: { 'io.flipdeck.pool': 'blue', 'io.flipdeck.test': 'smoke' },
  });
  await c.start();
});
test.afterAll(async () => {
  await docker
    .getContainer(NAME)
    .remove({ force: true })
    .catch(() => undefined);
});

test('add the lab server and see its containers', async ({ page, flipdeck }) => {
  await expect(page.getByRole('heading', { name: 'No servers yet' })).toBeVisible();
  await page.screenshot({ path: path.join(ARTIFACTS, 'smoke-1-empty.png') });

  await page.getByRole('button', { name: 'Add server' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Add a server' });
  await dialog.getByLabel('Client').fill('Lab client');
  await dialog.getByLabel('Server name').fill('lab-1');
  await dialog.getByLabel('Host').fill(lab.ssh.host);
  await dialog.getByLabel('SSH port').fill(String(lab.ssh.port));
  await dialog.getByLabel('SSH user').fill(lab.ssh.user);
  await dialog.getByLabel('Private key file').fill(lab.ssh.identity);
  await dialog.getByLabel('Docker socket on the server').fill(lab.dockerSocket);
  await dialog.getByRole('button', { name: 'Add server' }).click();

  const prompt = page.getByRole('dialog', { name: /First connection to lab-1/ });
  await expect(prompt).toBeVisible();
  await expect(prompt.getByTestId('host-key-fingerprint')).toHaveText(lab.ssh.hostKeySha256);
  await page.screenshot({ path: path.join(ARTIFACTS, 'smoke-2-host-key.png') });
  await prompt.getByRole('button', { name: 'Trust and connect' }).click();

  const table = page.getByRole('table', { name: 'Containers' });
  await expect(table.getByRole('rowheader', { name: new RegExp(NAME) })).toBeVisible({ timeout: 20_000 });
  await expect(page.getByRole('tree', { name: 'Clients and servers' })).toContainText('lab-1');
  await expect(page.getByRole('tree', { name: 'Clients and servers' })).toContainText(/Docker \d+/);
  await page.screenshot({ path: path.join(ARTIFACTS, 'smoke-3-containers.png') });

  // The pin landed in the inventory, and the audit history recorded the actions.
  const inv = await flipdeck.services.handlers['inventory.get']({}, { transport: 'test' });
  expect(inv.servers[0]?.hostKey).toBe(lab.ssh.hostKeySha256);
  await expect(page.getByRole('table', { name: 'Audit history' })).toContainText('host-key.trust');

  // The fleet overview: the server healthy at a glance (Docker, host load and memory).
  await page.getByRole('button', { name: 'Fleet overview' }).click();
  const row = page.getByTestId('fleet-row-lab-1');
  await expect(row).toHaveAttribute('data-state', 'ok', { timeout: 20_000 });
  await expect(row).toContainText(/Docker \d+/);
  await expect(row).toContainText(/\d+\.\d\d \/ \d+ CPU/);
  await expect(row).toContainText(/MiB of|GiB of/);
  await expect(page.getByTestId('fleet-progress')).toContainText('1 of 1 servers checked');
  await page.screenshot({ path: path.join(ARTIFACTS, 'smoke-5-fleet.png') });
});

test('a bad host is refused with the field named, and nothing is lost', async ({ page }) => {
  await page.getByRole('button', { name: 'Add server' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Add a server' });
  await dialog.getByLabel('Client').fill('Lab client');
  await dialog.getByLabel('Server name').fill('bad');
  await dialog.getByLabel('Host').fill('host;touch /tmp/flipdeck-marker');
  await dialog.getByLabel('SSH user').fill('u');
  await dialog.getByRole('button', { name: 'Add server' }).click();
  await expect(dialog.getByRole('alert')).toContainText(/./);
  await expect(dialog.getByLabel('Host')).toHaveAttribute('aria-invalid', 'true');
  await expect(dialog.getByLabel('Host')).toHaveValue('host;touch /tmp/flipdeck-marker');
  await page.screenshot({ path: path.join(ARTIFACTS, 'smoke-4-bad-input.png') });
});

test.describe('import from an ssh config', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flipdeck-sshcfg-'));
  const file = path.join(dir, 'config');
  writeFileSync(
    file,
    [
      'Host *',
      '  ServerAliveInterval 30',
      '',
      'Host lab-imported',
      `  HostName ${lab.fleetAddresses[1]}`,
      `  Port ${lab.ssh.port}`,
      `  User ${lab.ssh.user}`,
      `  IdentityFile ${lab.ssh.identity}`,
      '',
      'Host other-box',
      '  HostName 127.0.0.9',
      '  User nobody',
      '',
    ].join('\n'),
  );
  test.use({ hostEnv: { FLIPDECK_SSH_CONFIG: file } });

  test('lists the hosts (wildcards left out), imports the chosen one into a client, and asks for its host key on first contact', async ({
    page,
  }) => {
    await page.getByRole('button', { name: 'Import from ~/.ssh/config' }).click();
    const dialog = page.getByRole('dialog', { name: 'Import from ~/.ssh/config' });
    const table = dialog.getByRole('table', { name: 'Hosts in ~/.ssh/config' });
    await expect(table.getByRole('row')).toHaveCount(3); // header + two hosts; `Host *` is not a server
    await dialog.getByLabel('Client').fill('Imported client');
    await dialog.getByRole('checkbox', { name: 'Import lab-imported' }).check();
    await page.screenshot({ path: path.join(ARTIFACTS, 'smoke-6-import.png') });
    await dialog.getByRole('button', { name: 'Import 1' }).click();
    await expect(dialog.getByTestId('import-result')).toContainText('Imported 1 server(s): lab-imported');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('tree', { name: 'Clients and servers' }).getByText('lab-imported', { exact: true }).click();
    const prompt = page.getByRole('dialog', { name: /First connection to lab-imported/ });
    await expect(prompt.getByTestId('host-key-fingerprint')).toHaveText(lab.ssh.hostKeySha256);
  });
});
