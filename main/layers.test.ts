// The lint setup is itself tested: each forbidden import below must be reported, or the house rules
// (engine layers, outer layers, no cycles, no lab code in the product) would silently stop holding.
import { ESLint } from 'eslint';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..');
const eslint = new ESLint({ cwd: root });

async function ruleIds(file: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (r?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

// The first lint loads the TypeScript parser and resolves the whole tree: seconds on a busy machine.
describe('lint enforces the import order', { timeout: 60_000 }, () => {
  it.each([
    ['an engine layer importing a higher one', 'main/engine/proxy/probe.ts', "import { PoolOps } from '../deploy/pool-ops';\nexport const x = PoolOps;\n", /no-restricted-paths.*proxy may not import/],
    ['odoo importing preflight', 'main/engine/odoo/probe.ts', "import { MODULES_LABEL } from '../preflight/server-facts';\nexport const x = MODULES_LABEL;\n", /no-restricted-paths.*odoo may not import/],
    ['the engine importing the SSH layer', 'main/engine/odoo/probe.ts', "import { asSocketLike } from '../../remote/channel-socket';\nexport const x = asSocketLike;\n", /no-restricted-paths.*main\/engine may import only shared/],
    ['the store importing the engine', 'main/store/probe.ts', "import { envNames } from '../engine/core/names';\nexport const x = envNames;\n", /no-restricted-paths.*main\/store may import only shared/],
    ['product code importing the lab', 'main/host/probe.ts', "import { readLabState } from '../../e2e/lab/lab';\nexport const x = readLabState;\n", /no-restricted-paths.*never imports the lab/],
    ['a cycle', 'main/engine/core/command-retry.ts', "import { audited } from './server-link';\nexport const x = audited;\n", /import-x\/no-cycle/],
  ])('%s is rejected', async (_what, file, code, expected) => {
    expect((await ruleIds(file, code)).join('\n')).toMatch(expected);
  });

  it('an allowed import passes (the rules are not simply rejecting everything)', async () => {
    const messages = await ruleIds('main/engine/deploy/probe.ts', "import { envNames } from '../core/names';\nimport { demux } from '../docker/logs';\nexport const x = [envNames, demux];\n");
    expect(messages.filter((m) => /no-restricted-paths|no-cycle/.test(m))).toEqual([]);
  });

  it('tests may reach the lab', async () => {
    const messages = await ruleIds('main/cli/probe.lab.test.ts', "import { readLabState } from '../../e2e/lab/lab';\nexport const x = readLabState;\n");
    expect(messages.filter((m) => /no-restricted-paths/.test(m))).toEqual([]);
  });
});
