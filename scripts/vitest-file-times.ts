// A vitest reporter for `npm run test:all`. It writes how long each test file took (environment, import,
// hooks and tests) to test-results/vitest-times.json, which scripts/summarize-tests.mjs reads.
// vitest's own JSON report is not enough: each file there only spans its first test's start to its last
// test's end. That leaves out beforeAll and afterAll, and in a lab file those are often most of the cost
// (cleaning the lab's environment, opening a context, a first deploy).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Reporter, TestModule, Vitest } from 'vitest/node';

export interface FileTime {
  file: string;
  project: string;
  ms: number;
  state: string;
}
export interface VitestTimes {
  /** From the start to the end of the whole vitest run. */
  wallMs: number;
  files: FileTime[];
}

/** The part of vitest's TestModule this reporter reads. */
export interface ModuleLike {
  moduleId: string;
  project: { name: string };
  state(): string;
  diagnostic(): {
    environmentSetupDuration: number;
    prepareDuration: number;
    setupDuration: number;
    collectDuration: number;
    duration: number;
  };
}

export function fileTimes(modules: ReadonlyArray<ModuleLike>, root: string): FileTime[] {
  return modules.map((m) => {
    const d = m.diagnostic();
    const ms = d.environmentSetupDuration + d.prepareDuration + d.setupDuration + d.collectDuration + d.duration;
    return { file: path.relative(root, m.moduleId), project: m.project.name, ms: Math.round(ms), state: m.state() };
  });
}

export default class FileTimesReporter implements Reporter {
  private root = process.cwd();
  private started = performance.now();
  private readonly out: string;

  constructor(options: { outputFile?: string } = {}) {
    this.out = options.outputFile ?? process.env.FLIPDECK_VITEST_TIMES ?? 'test-results/vitest-times.json';
  }

  onInit(vitest: Vitest): void {
    this.root = vitest.config.root;
  }

  onTestRunStart(): void {
    this.started = performance.now();
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const report: VitestTimes = {
      wallMs: Math.round(performance.now() - this.started),
      files: fileTimes(modules, this.root),
    };
    const file = path.resolve(this.root, this.out);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  }
}
