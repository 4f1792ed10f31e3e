#!/usr/bin/env bash
# Every test, against the real lab: installs what the machine lacks (as root), starts the lab once,
# runs unit + lab tests (vitest) and the e2e journeys (Playwright, Debian Chromium), stops the lab,
# prints the wall time of each lab test file and each journey, and ends with one line:
# "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."

export FLIPDECK_TIMING="${FLIPDECK_TIMING:-fast}"   # short boots and probe intervals; benchmarks use real ones
results=test-results
mkdir -p "$results"
rm -f "$results"/vitest.json "$results"/vitest-times.json "$results"/playwright.json
status=0
step() { printf '\n=== %s ===\n' "$*"; }

step "machine packages"
bash e2e/lab/install-packages.sh || { echo "installing machine packages failed"; exit 1; }

step "typecheck + lint"
npm run -s typecheck || status=1
npm run -s lint || status=1

step "build (main, preload, renderer; no Electron binary needed)"
npm run -s build || { echo "build failed"; exit 1; }

step "lab up"
started=$(date +%s)
npm run -s lab:up || { echo "lab:up failed: see the output above"; npm run -s lab:down; exit 1; }
echo "lab up in $(( $(date +%s) - started )) s"
trap 'step "lab down"; npm run -s lab:down' EXIT

step "unit + lab tests (vitest)"
# The third reporter records each file's wall time, hooks included (vitest's JSON report leaves them out).
FLIPDECK_VITEST_TIMES="$results/vitest-times.json" npx vitest run --reporter=default --reporter=json \
  --outputFile.json="$results/vitest.json" --reporter=./scripts/vitest-file-times.ts || status=1

step "e2e journeys (Playwright through the browser host)"
PLAYWRIGHT_JSON_OUTPUT_NAME="$results/playwright.json" npx playwright test --reporter=list,json || status=1

# Down before the summary, so that its count line really is the last line of the output.
trap - EXIT
step "lab down"
npm run -s lab:down

step "summary"
node scripts/summarize-tests.mjs "$results/vitest.json" "$results/playwright.json" "$results/vitest-times.json" || status=1
exit $status
