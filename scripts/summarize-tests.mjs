// Adds up vitest's and Playwright's JSON reports into the one closing line CI reads:
// "N passed, N failed, N skipped". A missing report counts as a failure, never as zero tests.
// Before that line it prints what the run cost: the wall time of each lab test file and of each journey,
// slowest first, with totals.
//   node scripts/summarize-tests.mjs VITEST_JSON PLAYWRIGHT_JSON [VITEST_TIMES_JSON]
// VITEST_TIMES_JSON is written by scripts/vitest-file-times.ts. Without it, a lab file's time is taken
// from vitest's report, which covers only its tests and leaves out its beforeAll/afterAll hooks.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const LAB_FILE = /\.lab\.test\.ts$/;
const count = (n, what) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** "12.3 s" below a minute, "4m 05s" above. */
export function formatDuration(ms) {
  if (ms < 59_950) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
}

/** Right-aligned seconds, one unit for the whole column so that it reads at a glance. */
function table(rows) {
  const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
  const width = Math.max(...rows.map((r) => seconds(r.ms).length));
  return rows.map((r) => `  ${seconds(r.ms).padStart(width)}  ${r.label}${r.failed ? '  (failed)' : ''}`);
}

/** Each lab test file's wall time, slowest first. */
export function labFileTimes(vitest, times, cwd = process.cwd()) {
  const rel = (file) => (path.isAbsolute(file) ? path.relative(cwd, file) : file);
  if (times) {
    return times.files
      .filter((f) => LAB_FILE.test(f.file))
      .map((f) => ({ label: rel(f.file), ms: f.ms, failed: f.state === 'failed' }))
      .sort((a, b) => b.ms - a.ms);
  }
  return (vitest?.testResults ?? [])
    .filter((f) => LAB_FILE.test(f.name))
    .map((f) => ({
      label: rel(f.name),
      ms: Math.max(0, (f.endTime ?? 0) - (f.startTime ?? 0)),
      failed: f.status === 'failed',
    }))
    .sort((a, b) => b.ms - a.ms);
}

/** Each journey that ran (one per Playwright test and project), with its time over all its attempts, slowest first. */
export function journeyTimes(playwright) {
  const rows = [];
  const walk = (suite, titles) => {
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests ?? []) {
        if (t.status === 'skipped') continue;
        const ms = (t.results ?? []).reduce((sum, r) => sum + (r.duration ?? 0), 0);
        rows.push({
          project: t.projectName ?? '',
          label: [...titles, spec.title].join(' › '),
          ms,
          failed: t.status === 'unexpected',
        });
      }
    }
    for (const child of suite.suites ?? []) walk(child, [...titles, child.title]);
  };
  for (const file of playwright?.suites ?? []) walk(file, [file.title]);
  return rows.sort((a, b) => b.ms - a.ms);
}

/** The summary's lines, ending with "N passed, N failed, N skipped"; `ok` is false when anything failed or nothing passed. */
export function summarize({ vitest, playwright, times, cwd = process.cwd() }) {
  const lines = [];
  let passed = 0,
    failed = 0,
    skipped = 0;
  const sum = (rows) => rows.reduce((total, r) => total + r.ms, 0);

  if (vitest) {
    passed += vitest.numPassedTests ?? 0;
    failed += vitest.numFailedTests ?? 0;
    // A file that fails to load has no failing assertion of its own: count it once.
    failed += (vitest.testResults ?? []).filter(
      (f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'),
    ).length;
    skipped += (vitest.numPendingTests ?? 0) + (vitest.numTodoTests ?? 0);

    const lab = labFileTimes(vitest, times, cwd);
    lines.push(
      times
        ? 'lab test files, wall time (import, hooks and tests):'
        : 'lab test files, time of their tests (no times file: hooks not counted):',
    );
    if (lab.length) lines.push(...table([...lab, { label: `total, ${count(lab.length, 'file')}`, ms: sum(lab) }]));
    else lines.push('  (none ran)');
    if (times) {
      const unit = times.files.filter((f) => !LAB_FILE.test(f.file));
      lines.push(
        `vitest: ${formatDuration(times.wallMs)} wall; the other ${count(unit.length, 'file')} add up to ${formatDuration(sum(unit))} (they run in parallel)`,
      );
    }
  } else failed++;

  if (playwright) {
    const s = playwright.stats ?? {};
    passed += (s.expected ?? 0) + (s.flaky ?? 0);
    failed += s.unexpected ?? 0;
    skipped += s.skipped ?? 0;
    if (Array.isArray(playwright.errors) && playwright.errors.length) failed += playwright.errors.length;

    const journeys = journeyTimes(playwright);
    const projects = [...new Set(journeys.map((j) => j.project))];
    const named = (j) => ({ ...j, label: j.project ? `[${j.project}] ${j.label}` : j.label });
    lines.push('journeys, wall time (Playwright; per project):');
    if (journeys.length) {
      const totals = projects.map((p) => {
        const rows = journeys.filter((j) => j.project === p);
        return { label: `total [${p}], ${count(rows.length, 'journey')}`, ms: sum(rows) };
      });
      lines.push(...table([...journeys.map(named), ...totals]));
    } else lines.push('  (none ran)');
    if (s.duration !== undefined) lines.push(`playwright: ${formatDuration(s.duration)} wall`);

    // Every skip says why: list the reasons, each with how many journeys it covers.
    const reasons = new Map();
    const walk = (suite) => {
      for (const spec of suite.specs ?? [])
        for (const t of spec.tests ?? []) {
          if (t.status !== 'skipped') continue;
          const why = (t.annotations ?? []).find((a) => a.type === 'skip')?.description ?? '(no reason given)';
          reasons.set(why, (reasons.get(why) ?? 0) + 1);
        }
      for (const child of suite.suites ?? []) walk(child);
    };
    for (const suite of playwright.suites ?? []) walk(suite);
    for (const [why, n] of reasons) lines.push(`skipped ${n}: ${why}`);
  } else failed++;

  lines.push(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  return { lines, passed, failed, skipped, ok: failed === 0 && passed > 0 };
}

function readReport(file, what) {
  if (file && existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  console.error(`no ${what} at ${file}`);
  return undefined;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [vitestFile, playwrightFile, timesFile] = process.argv.slice(2);
  const vitest = readReport(vitestFile, 'vitest report');
  const playwright = readReport(playwrightFile, 'playwright report');
  // The times file only adds detail: without it the lab files' times come from vitest's report.
  const times = timesFile && existsSync(timesFile) ? JSON.parse(readFileSync(timesFile, 'utf8')) : undefined;
  const summary = summarize({ vitest, playwright, times });
  for (const line of summary.lines) console.log(line);
  process.exit(summary.ok ? 0 : 1);
}
