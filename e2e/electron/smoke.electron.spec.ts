// Electron-only checks of the packaged app (`_electron`): the window is isolated and sandboxed. The
// journeys themselves run in the `electron` project from the same spec files as the browser host.
import { expect, test } from '../fixtures/host';

test('the Electron window is isolated: the page sees the contract, never Node', async ({ page, target }) => {
  test.skip(target !== 'electron', 'an Electron-only check');
  await expect(page.getByRole('navigation', { name: 'Fleet' })).toBeVisible();
  expect(await page.evaluate(() => [typeof (globalThis as Record<string, unknown>).require, typeof (globalThis as Record<string, unknown>).process, typeof (window as unknown as Record<string, unknown>).flipdeck])).toEqual(['undefined', 'undefined', 'object']);
});
