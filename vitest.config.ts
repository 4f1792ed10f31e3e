import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs nothing but Node; `lab` talks to the real lab (sshd, dockerd, images)
// started by `npm run lab:up`, and runs files one at a time so tests don't fight over the daemon.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'main/**/*.test.ts',
            'shared/**/*.test.ts',
            'renderer/**/*.test.{ts,tsx}',
            'preload/**/*.test.ts',
            'e2e/lab/**/*.unit.test.ts',
            'scripts/**/*.test.ts',
          ],
          exclude: ['**/*.lab.test.ts', 'node_modules/**'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'lab',
          include: ['**/*.lab.test.ts'],
          exclude: ['node_modules/**'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
