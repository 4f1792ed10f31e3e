// e2e journeys: Debian Chromium against the browser host (never a browser download).
import { defineConfig } from '@playwright/test';

export const CHROMIUM = process.env.FLIPDECK_CHROMIUM ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: 'e2e',
  testMatch: /.*\.spec\.ts$/,
  outputDir: 'test-results/playwright',
  timeout: 90_000,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  // The same journeys twice: through the browser host (always) and through Electron (skipped, saying
  // why, where no Electron binary exists — as on these machines).
  projects: [
    { name: 'browser', testIgnore: /electron\// },
    { name: 'electron', use: { target: 'electron' } as never },
  ],
  use: {
    viewport: { width: 1280, height: 800 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-dev-shm-usage',
      ],
    },
  },
});
