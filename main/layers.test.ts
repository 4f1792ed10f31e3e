// The lint setup is itself tested: each forbidden import below must be reported, or the house rules
// (engine layers, outer layers, no cycles, no lab code in the product) would silently stop holding.
import { ESLint } from 'eslint';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as prettier from 'prettier';
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
    [
      'an engine layer importing a higher one',
      'main/engine/proxy/probe.ts',
      "import { PoolOps } from '../deploy/pool-ops';\nexport const x = PoolOps;\n",
      /no-restricted-paths.*proxy may not import/,
    ],
    [
      'odoo importing preflight',
      'main/engine/odoo/probe.ts',
      "import { MODULES_LABEL } from '../preflight/server-facts';\nexport const x = MODULES_LABEL;\n",
      /no-restricted-paths.*odoo may not import/,
    ],
    [
      'the engine importing the SSH layer',
      'main/engine/odoo/probe.ts',
      "import { asSocketLike } from '../../remote/channel-socket';\nexport const x = asSocketLike;\n",
      /no-restricted-paths.*main\/engine may import only shared/,
    ],
    [
      'the store importing the engine',
      'main/store/probe.ts',
      "import { envNames } from '../engine/core/names';\nexport const x = envNames;\n",
      /no-restricted-paths.*main\/store may import only shared/,
    ],
    [
      'product code importing the lab',
      'main/host/probe.ts',
      "import { readLabState } from '../../e2e/lab/lab';\nexport const x = readLabState;\n",
      /no-restricted-paths.*never imports the lab/,
    ],
    [
      'product code starting a child itself (it would inherit every secret in our environment)',
      'main/host/probe.ts',
      "import { execFile } from 'node:child_process';\nexport const x = execFile;\n",
      /no-restricted-imports.*start children with runChild/,
    ],
    [
      'the app starting a child itself',
      'main/app/probe.ts',
      "import { spawn } from 'child_process';\nexport const x = spawn;\n",
      /no-restricted-imports.*start children with runChild/,
    ],
    [
      'a cycle',
      'main/engine/core/command-retry.ts',
      "import { audited } from './server-link';\nexport const x = audited;\n",
      /import-x\/no-cycle/,
    ],
  ])('%s is rejected', async (_what, file, code, expected) => {
    expect((await ruleIds(file, code)).join('\n')).toMatch(expected);
  });

  it('an allowed import passes (the rules are not simply rejecting everything)', async () => {
    const messages = await ruleIds(
      'main/engine/deploy/probe.ts',
      "import { envNames } from '../core/names';\nimport { demux } from '../docker/logs';\nexport const x = [envNames, demux];\n",
    );
    expect(messages.filter((m) => /no-restricted-paths|no-cycle/.test(m))).toEqual([]);
  });

  it('tests may reach the lab', async () => {
    const messages = await ruleIds(
      'main/cli/probe.lab.test.ts',
      "import { readLabState } from '../../e2e/lab/lab';\nexport const x = readLabState;\n",
    );
    expect(messages.filter((m) => /no-restricted-paths/.test(m))).toEqual([]);
  });
});

describe('lint enforces the formatter', () => {
  it('npm run lint runs Prettier in check mode', async () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.lint).toMatch(/prettier --check \./);
  });

  it('Prettier, with the project config, rejects a line over 120 columns and accepts it formatted', async () => {
    const file = path.join(root, 'main/engine/core/probe.ts');
    const options = { ...(await prettier.resolveConfig(file)), filepath: file };
    const long = `export const x = [${Array.from({ length: 30 }, (_, i) => `'value-${i}'`).join(', ')}];\n`;
    expect(await prettier.check(long, options)).toBe(false);
    const formatted = await prettier.format(long, options);
    expect(await prettier.check(formatted, options)).toBe(true);
    expect(Math.max(...formatted.split('\n').map((l) => l.length))).toBeLessThanOrEqual(120);
  });
});
