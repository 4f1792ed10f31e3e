// Electron-only checks of the packaged app (`_electron`): the window is isolated and sandboxed. Only
// the `electron` project runs this file (the browser project ignores e2e/electron/); the journeys
// themselves run there from the same spec files as in the browser host.
import { expect, test } from '../fixtures/host';

test('the Electron window is isolated: the page sees the contract, never Node', async ({ page }) => {
  await expect(page.getByRole('navigation', { name: 'Fleet' })).toBeVisible();
  expect(
    await page.evaluate(() => [
      typeof (globalThis as Record<string, unknown>).require,
      typeof (globalThis as Record<string, unknown>).process,
      typeof (window as unknown as Record<string, unknown>).flipdeck,
    ]),
  ).toEqual(['undefined', 'undefined', 'object']);
});
