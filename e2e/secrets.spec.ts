// Setting an environment's secret in the app and deploying with it (issue 14, point 7): the environment
// refers to an SMTP password it does not have yet; the Secrets… screen stores it in the local secret
// store (never shown back, never plain text on disk), and a deploy through the wizard reads it from
// there and goes live with it in the workers.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AuditRecord } from '../shared/model';
import { SECRET_STORE_FILE } from '../main/store/local-secret-store';
import { cleanEnv, labDocker, servingPool } from './lab/lab-cli';
import { sourceDir } from './lab/lab-deploy';
import { readLabState } from './lab/lab';
import { ARTIFACTS, expect, test } from './fixtures/host';
import { addLabServer, call } from './fixtures/lab-server';

const lab = readLabState();
const ENV = 'uisecret';
const PORT = 18_930;
const SECRET = 'uisecret_smtp_pw';
// Unusual enough that finding it anywhere on screen or on disk can only mean a leak.
const VALUE = `smtp-${Date.now().toString(36)}-Zq8!pw`;

test.use({ hostEnv: { FLIPDECK_TIMING: 'fast' } });
test.describe.configure({ timeout: 240_000 });
test.beforeAll(async () => cleanEnv(ENV));
test.afterAll(async () => cleanEnv(ENV));

test('a secret set on the Secrets… screen is used by the next deploy, which goes live; the value is never shown back', async ({
  page,
  flipdeck,
}) => {
  // A variable of that name would override the stored value and prove nothing: the host runs in this
  // process, so clearing it here makes the journey read the store, whatever the shell had.
  delete process.env.FLIPDECK_SECRET_UISECRET_SMTP_PW;
  await addLabServer(flipdeck.services);
  await flipdeck.services.environments.apply({
    server: 'lab',
    name: ENV,
    source: sourceDir(lab, 'uisecret-1'),
    replicas: 1,
    public_bind: `127.0.0.1:${PORT}`,
    drain_timeout: '5s',
    ready_timeout: '40s',
    keep_window: '10m',
    edge_image: lab.images.proxy,
    db_image: lab.images.postgres,
    env: { SMTP_PASSWORD: { secret: SECRET }, SMTP_USER: 'mailer' },
  });

  await page.goto(flipdeck.host.url);
  await page.getByRole('tree', { name: 'Clients and servers' }).getByText('lab', { exact: true }).click();
  const card = page.getByTestId(`env-${ENV}`);
  await expect(card).toBeVisible({ timeout: 30_000 });

  // The screen lists the secret the environment refers to, not set yet.
  await card.getByRole('button', { name: 'Secrets…' }).click();
  const dialog = page.getByRole('dialog', { name: `Secrets of lab/${ENV}` });
  const row = dialog.getByTestId(`secret-${SECRET}`);
  await expect(row.getByTestId(`secret-state-${SECRET}`)).toHaveText(/not set/, { timeout: 15_000 });
  await expect(row).toContainText('env SMTP_PASSWORD');
  await page.screenshot({ path: path.join(ARTIFACTS, 'secrets-1-not-set.png') });

  // Set it: the field empties at once; the badge turns to set, from the local secret store.
  const input = row.getByLabel(`Value for ${SECRET}`);
  await input.fill(VALUE);
  await row.getByRole('button', { name: `Set ${SECRET}` }).click();
  await expect(row.getByTestId(`secret-state-${SECRET}`)).toHaveText(/✓ set/, { timeout: 15_000 });
  await expect(row).toContainText('from the local secret store');
  await expect(row.getByLabel(`New value for ${SECRET}`)).toHaveValue('');
  await page.screenshot({ path: path.join(ARTIFACTS, 'secrets-2-set.png') });
  expect(await page.content()).not.toContain(VALUE);
  // On disk: ciphertext only. In the audit log: the action and the name, never the value.
  expect(readFileSync(path.join(flipdeck.home, SECRET_STORE_FILE), 'utf8')).not.toContain(VALUE);
  const records = await call<AuditRecord[]>(flipdeck.services, 'audit.list', { kinds: ['secret'] });
  expect(records.map((r) => [r.action, r.detail, r.ok])).toContainEqual(['secret.set', { secret: SECRET }, true]);
  expect(JSON.stringify(records)).not.toContain(VALUE);
  expect(readFileSync(path.join(flipdeck.home, 'audit.log'), 'utf8')).not.toContain(VALUE);
  await dialog.getByRole('button', { name: 'Close' }).click();

  // Deploy through the wizard: the secret comes from the store; blue goes live.
  await card.getByRole('button', { name: 'Deploy…' }).click();
  const wizard = page.getByRole('dialog', { name: `Deploy lab/${ENV}` });
  await expect(wizard.getByTestId('check-lock')).toContainText('no deploy in progress', { timeout: 30_000 });
  await wizard.getByRole('button', { name: 'Start deploy' }).click();
  const flip = wizard.getByRole('button', { name: 'Flip traffic now' });
  const summary = wizard.getByTestId('deploy-summary');
  await expect(flip.or(summary)).toBeVisible({ timeout: 150_000 });
  if (await flip.isVisible()) await flip.click();
  await expect(summary).toBeVisible({ timeout: 120_000 });
  await page.screenshot({ path: path.join(ARTIFACTS, 'secrets-3-deployed.png') });
  expect(await page.content()).not.toContain(VALUE);
  await wizard.getByRole('button', { name: 'Close' }).last().click();
  await expect(card.getByTestId('live-pool')).toHaveText('blue live', { timeout: 20_000 });
  expect(await servingPool(PORT)).toBe('blue');

  // The live worker got the stored value.
  const worker = await labDocker.getContainer(`flipdeck-${ENV}-blue-1`).inspect();
  expect(worker.Config.Env).toContain(`SMTP_PASSWORD=${VALUE}`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'secrets-4-live.png') });
});
