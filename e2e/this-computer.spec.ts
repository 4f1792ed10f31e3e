// With an empty inventory and a reachable local Docker socket, the app offers "This computer".
import path from 'node:path';
import { readLabState } from './lab/lab';
import { ARTIFACTS, expect, test } from './fixtures/host';

const lab = readLabState();

test.describe('local Docker reachable', () => {
  test.use({ hostEnv: { FLIPDECK_LOCAL_DOCKER_SOCKET: lab.dockerSocket } });

  test('offers "This computer" and lists its containers without SSH', async ({ page }) => {
    await expect(page.getByText(`uses the local Docker Engine at ${lab.dockerSocket}`)).toBeVisible();
    await page.getByRole('button', { name: 'Use this computer' }).click();
    await expect(page.getByRole('heading', { name: 'This computer', level: 2 })).toBeVisible();
    await expect(page.getByRole('tree', { name: 'Clients and servers' })).toContainText(/Docker \d+/);
    await expect(page.getByRole('heading', { name: /^Containers/ })).toBeVisible();
    await page.screenshot({ path: path.join(ARTIFACTS, 'this-computer.png') });
  });
});

test.describe('no local Docker', () => {
  test.use({ hostEnv: { FLIPDECK_LOCAL_DOCKER_SOCKET: '/nonexistent/docker.sock' } });

  test('offers only "Add server"', async ({ page }) => {
    await expect(page.getByRole('heading', { name: 'No servers yet' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Use this computer' })).toHaveCount(0);
  });
});
