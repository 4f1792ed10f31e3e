// Types of scripts/summarize-tests.mjs, which stays plain JavaScript so `node` runs it with no build step.
import type { VitestTimes } from './vitest-file-times';

export interface TimeRow {
  label: string;
  ms: number;
  failed: boolean;
}
export interface JourneyRow extends TimeRow {
  project: string;
}
/** The parts of vitest's JSON report (JsonTestResults) the summary reads. */
export interface VitestReport {
  numPassedTests?: number;
  numFailedTests?: number;
  numPendingTests?: number;
  numTodoTests?: number;
  testResults?: {
    name: string;
    status: string;
    startTime?: number;
    endTime?: number;
    assertionResults?: { status: string; duration?: number | null }[];
  }[];
}
export interface PlaywrightSuite {
  title: string;
  specs?: {
    title: string;
    tests?: {
      projectName?: string;
      status: string;
      annotations?: { type: string; description?: string }[];
      results?: { duration?: number }[];
    }[];
  }[];
  suites?: PlaywrightSuite[];
}
/** The parts of Playwright's JSON report (JSONReport) the summary reads. */
export interface PlaywrightReport {
  suites?: PlaywrightSuite[];
  errors?: unknown[];
  stats?: { duration?: number; expected?: number; unexpected?: number; flaky?: number; skipped?: number };
}

export function formatDuration(ms: number): string;
export function labFileTimes(vitest: VitestReport | undefined, times: VitestTimes | undefined, cwd?: string): TimeRow[];
export function journeyTimes(playwright: PlaywrightReport | undefined): JourneyRow[];
export function summarize(reports: {
  vitest?: VitestReport;
  playwright?: PlaywrightReport;
  times?: VitestTimes;
  cwd?: string;
}): {
  lines: string[];
  passed: number;
  failed: number;
  skipped: number;
  ok: boolean;
};
