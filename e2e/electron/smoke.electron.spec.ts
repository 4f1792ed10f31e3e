// The smoke journey through Electron itself (`_electron`). It needs an Electron binary, which cannot be
// downloaded on these machines: then it is skipped, saying so — never silently.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';
import { ROOT } from '../fixtures/host';

// Read the package's path.txt instead of require('electron'): requiring it would try to download.
function electronBinary(): string | null {
  const pkg = path.join(ROOT, 'node_modules', 'electron');
  const pathTxt = path.join(pkg, 'path.txt');
  if (!existsSync(pathTxt)) return null;
  const bin = path.join(pkg, 'dist', readFileSync(pathTxt, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

const binary = electronBinary();

test('smoke journey in the Electron app', async () => {
  test.skip(!binary, 'no Electron binary on this machine: the electron package could not download it here; the same journey ran through the browser host (e2e/smoke.spec.ts)');
  const app = await electron.launch({ executablePath: binary!, args: [path.join(ROOT, 'out', 'main', 'index.js')], env: { ...process.env, FLIPDECK_HOME: path.join(ROOT, 'test-results', 'electron-home') } });
  const page = await app.firstWindow();
  await expect(page.getByRole('navigation', { name: 'Fleet' })).toBeVisible();
  // Isolated and sandboxed: the page sees the contract, never Node.
  expect(await page.evaluate(() => [typeof (globalThis as Record<string, unknown>).require, typeof (globalThis as Record<string, unknown>).process, typeof (window as unknown as Record<string, unknown>).flipdeck])).toEqual(['undefined', 'undefined', 'object']);
  await app.close();
});
