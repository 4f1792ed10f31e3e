// The closing summary of `npm run test:all`: what each lab file and each journey cost, then the one line CI reads.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { PlaywrightReport, VitestReport } from './summarize-tests.mjs';
import { formatDuration, journeyTimes, labFileTimes, summarize } from './summarize-tests.mjs';
import type { ModuleLike, VitestTimes } from './vitest-file-times';
import { fileTimes } from './vitest-file-times';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const vitest: VitestReport = {
  numPassedTests: 5,
  numFailedTests: 1,
  numPendingTests: 1,
  numTodoTests: 0,
  testResults: [
    {
      name: '/repo/main/cli/deploy.lab.test.ts',
      status: 'passed',
      startTime: 1_000,
      endTime: 31_000,
      assertionResults: [{ status: 'passed', duration: 20_000 }],
    },
    {
      name: '/repo/main/remote/remote.lab.test.ts',
      status: 'failed',
      startTime: 40_000,
      endTime: 45_000,
      assertionResults: [{ status: 'failed', duration: 5_000 }],
    },
    {
      name: '/repo/shared/units.test.ts',
      status: 'passed',
      startTime: 0,
      endTime: 20,
      assertionResults: [{ status: 'passed', duration: 3 }],
    },
  ],
};
// What scripts/vitest-file-times.ts writes: hooks included, so the lab files take longer than their tests.
const times: VitestTimes = {
  wallMs: 95_000,
  files: [
    { file: 'main/cli/deploy.lab.test.ts', project: 'lab', ms: 62_000, state: 'passed' },
    { file: 'main/remote/remote.lab.test.ts', project: 'lab', ms: 8_500, state: 'failed' },
    { file: 'shared/units.test.ts', project: 'unit', ms: 120, state: 'passed' },
    { file: 'shared/odoo-memory.test.ts', project: 'unit', ms: 80, state: 'passed' },
  ],
};
const playwright: PlaywrightReport = {
  stats: { duration: 150_000, expected: 3, unexpected: 1, flaky: 1, skipped: 2 },
  errors: [],
  suites: [
    {
      title: 'deploy.spec.ts',
      specs: [
        {
          title: 'deploys blue-green',
          tests: [
            { projectName: 'browser', status: 'expected', results: [{ duration: 40_000 }] },
            {
              projectName: 'electron',
              status: 'skipped',
              annotations: [{ type: 'skip', description: 'no Electron binary' }],
              results: [{ duration: 3 }],
            },
          ],
        },
      ],
      suites: [
        {
          title: 'rollback',
          specs: [
            {
              title: 'rolls back',
              tests: [
                { projectName: 'browser', status: 'flaky', results: [{ duration: 9_000 }, { duration: 11_000 }] },
              ],
            },
          ],
        },
      ],
    },
    {
      title: 'smoke.spec.ts',
      specs: [
        {
          title: 'opens',
          tests: [
            { projectName: 'browser', status: 'unexpected', results: [{ duration: 2_500 }] },
            {
              projectName: 'electron',
              status: 'skipped',
              annotations: [{ type: 'skip', description: 'no Electron binary' }],
              results: [],
            },
          ],
        },
        { title: 'dock', tests: [{ projectName: 'browser', status: 'expected', results: [{ duration: 30_000 }] }] },
      ],
    },
  ],
};

describe('formatDuration', () => {
  it('prints seconds with one decimal below a minute, minutes and seconds above', () => {
    expect(formatDuration(0)).toBe('0.0 s');
    expect(formatDuration(12_345)).toBe('12.3 s');
    expect(formatDuration(59_960)).toBe('1m 00s');
    expect(formatDuration(119_600)).toBe('2m 00s');
    expect(formatDuration(245_000)).toBe('4m 05s');
  });
});

describe('lab file times', () => {
  it('come from the times file (hooks included), lab files only, slowest first, failures marked', () => {
    expect(labFileTimes(vitest, times, '/repo')).toEqual([
      { label: 'main/cli/deploy.lab.test.ts', ms: 62_000, failed: false },
      { label: 'main/remote/remote.lab.test.ts', ms: 8_500, failed: true },
    ]);
  });

  it('fall back to the span of the tests in vitest report when there is no times file', () => {
    expect(labFileTimes(vitest, undefined, '/repo')).toEqual([
      { label: 'main/cli/deploy.lab.test.ts', ms: 30_000, failed: false },
      { label: 'main/remote/remote.lab.test.ts', ms: 5_000, failed: true },
    ]);
  });
});

describe('journey times', () => {
  it('one row per test and project that ran, attempts added up, describe titles in the name, slowest first', () => {
    expect(journeyTimes(playwright)).toEqual([
      { project: 'browser', label: 'deploy.spec.ts › deploys blue-green', ms: 40_000, failed: false },
      { project: 'browser', label: 'smoke.spec.ts › dock', ms: 30_000, failed: false },
      { project: 'browser', label: 'deploy.spec.ts › rollback › rolls back', ms: 20_000, failed: false },
      { project: 'browser', label: 'smoke.spec.ts › opens', ms: 2_500, failed: true },
    ]);
  });
});

describe('summarize', () => {
  it('prints the tables and totals, and ends with the count line', () => {
    const s = summarize({ vitest, playwright, times, cwd: '/repo' });
    expect(s.lines).toEqual([
      'lab test files, wall time (import, hooks and tests):',
      '  62.0 s  main/cli/deploy.lab.test.ts',
      '   8.5 s  main/remote/remote.lab.test.ts  (failed)',
      '  70.5 s  total, 2 files',
      'vitest: 1m 35s wall; the other 2 files add up to 0.2 s (they run in parallel)',
      'journeys, wall time (Playwright; per project):',
      '  40.0 s  [browser] deploy.spec.ts › deploys blue-green',
      '  30.0 s  [browser] smoke.spec.ts › dock',
      '  20.0 s  [browser] deploy.spec.ts › rollback › rolls back',
      '   2.5 s  [browser] smoke.spec.ts › opens  (failed)',
      '  92.5 s  total [browser], 4 journeys',
      'playwright: 2m 30s wall',
      'skipped 2: no Electron binary',
      '9 passed, 2 failed, 3 skipped',
    ]);
    expect(s).toMatchObject({ passed: 9, failed: 2, skipped: 3, ok: false });
  });

  it('without a times file says that the hooks are not counted', () => {
    const s = summarize({ vitest, playwright, cwd: '/repo' });
    expect(s.lines.slice(0, 4)).toEqual([
      'lab test files, time of their tests (no times file: hooks not counted):',
      '  30.0 s  main/cli/deploy.lab.test.ts',
      '   5.0 s  main/remote/remote.lab.test.ts  (failed)',
      '  35.0 s  total, 2 files',
    ]);
  });

  it('counts a missing report as a failure, never as zero tests, and still ends with the count line', () => {
    const s = summarize({ playwright: { stats: { expected: 2 }, suites: [] } });
    expect(s.lines.at(-1)).toBe('2 passed, 1 failed, 0 skipped');
    expect(s.ok).toBe(false);
    expect(summarize({ vitest: { numPassedTests: 0 }, playwright: { stats: {} } }).ok).toBe(false);
  });

  it('counts a file that failed to load once, though it has no failing assertion', () => {
    const s = summarize({
      vitest: { numPassedTests: 1, testResults: [{ name: 'x.test.ts', status: 'failed', assertionResults: [] }] },
      playwright: { stats: {} },
    });
    expect(s.lines.at(-1)).toBe('1 passed, 1 failed, 0 skipped');
  });
});

describe('node scripts/summarize-tests.mjs', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'summary-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, data: unknown) => {
    const file = path.join(dir, name);
    writeFileSync(file, JSON.stringify(data));
    return file;
  };
  const run = (args: string[]) => {
    try {
      return {
        code: 0,
        out: execFileSync(process.execPath, [path.join(root, 'scripts/summarize-tests.mjs'), ...args], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      };
    } catch (e) {
      const err = e as { status: number; stdout: string };
      return { code: err.status, out: err.stdout };
    }
  };

  it('reads the two reports (and the times file when given), prints the summary and exits 0 when all passed', () => {
    const green: VitestReport = {
      ...vitest,
      numFailedTests: 0,
      testResults: vitest.testResults!.map((f) => ({ ...f, status: 'passed' })),
    };
    const { code, out } = run([
      write('vitest.json', green),
      write('playwright.json', { stats: { expected: 1 }, suites: [] }),
      write('times.json', times),
    ]);
    expect(out).toContain('  62.0 s  main/cli/deploy.lab.test.ts');
    expect(out.trimEnd().split('\n').at(-1)).toBe('6 passed, 0 failed, 1 skipped');
    expect(code).toBe(0);
  });

  it('exits 1 on a missing report, the count line still last', () => {
    const { code, out } = run([
      path.join(dir, 'absent.json'),
      write('pw.json', { stats: { expected: 1 }, suites: [] }),
    ]);
    expect(out.trimEnd().split('\n').at(-1)).toBe('1 passed, 1 failed, 0 skipped');
    expect(code).toBe(1);
  });
});

describe('the vitest times reporter', () => {
  it("adds up each file's environment, setup, import, hooks and tests, path relative to the root", () => {
    const module = (file: string, project: string, state: string, d: number[]): ModuleLike => ({
      moduleId: path.join('/repo', file),
      project: { name: project },
      state: () => state,
      diagnostic: () => ({
        environmentSetupDuration: d[0]!,
        prepareDuration: d[1]!,
        setupDuration: d[2]!,
        collectDuration: d[3]!,
        duration: d[4]!,
      }),
    });
    expect(
      fileTimes(
        [
          module('main/cli/deploy.lab.test.ts', 'lab', 'passed', [1, 10, 0, 400.4, 61_000]),
          module('shared/units.test.ts', 'unit', 'failed', [0, 5, 0, 50, 20]),
        ],
        '/repo',
      ),
    ).toEqual([
      { file: 'main/cli/deploy.lab.test.ts', project: 'lab', ms: 61_411, state: 'passed' },
      { file: 'shared/units.test.ts', project: 'unit', ms: 75, state: 'failed' },
    ]);
  });
});
