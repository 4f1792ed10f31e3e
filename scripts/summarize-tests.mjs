// Adds up vitest's and Playwright's JSON reports into the one closing line CI reads:
// "N passed, N failed, N skipped". A missing report counts as a failure, never as zero tests.
import { existsSync, readFileSync } from 'node:fs';

const [vitestFile, playwrightFile] = process.argv.slice(2);
let passed = 0, failed = 0, skipped = 0, missing = 0;

if (vitestFile && existsSync(vitestFile)) {
  const r = JSON.parse(readFileSync(vitestFile, 'utf8'));
  passed += r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  // A file that fails to load has no failing assertion of its own: count it once.
  failed += (r.testResults ?? []).filter((f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed')).length;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
} else { missing++; console.error(`no vitest report at ${vitestFile}`); }

if (playwrightFile && existsSync(playwrightFile)) {
  const r = JSON.parse(readFileSync(playwrightFile, 'utf8'));
  const s = r.stats ?? {};
  passed += (s.expected ?? 0) + (s.flaky ?? 0);
  failed += s.unexpected ?? 0;
  skipped += s.skipped ?? 0;
  if (Array.isArray(r.errors) && r.errors.length) failed += r.errors.length;
  // Every skip says why: list the reasons, each with how many journeys it covers.
  const reasons = new Map();
  const walk = (suite) => {
    for (const spec of suite.specs ?? []) for (const t of spec.tests ?? []) {
      if (t.status !== 'skipped') continue;
      const why = (t.annotations ?? []).find((a) => a.type === 'skip')?.description ?? '(no reason given)';
      reasons.set(why, (reasons.get(why) ?? 0) + 1);
    }
    for (const child of suite.suites ?? []) walk(child);
  };
  for (const suite of r.suites ?? []) walk(suite);
  for (const [why, n] of reasons) console.log(`skipped ${n}: ${why}`);
} else { missing++; console.error(`no playwright report at ${playwrightFile}`); }

failed += missing;
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
