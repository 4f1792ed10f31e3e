// Lint enforces where code runs, so nobody has to remember the house rules:
// shared imports nothing of ours (zod only), renderer never reaches main or Node,
// the engine never touches Electron, and raw ipcRenderer stays inside preload.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

// The engine's layers, lowest first: a layer imports only from itself and the layers before it.
// core (names, the server link, retries, clock) < proxy (the edge's config and runtime API) < docker
// (containers, archives, logs) < odoo (what Odoo needs: worker specs, probes, addons, queue_job) <
// state (what the server remembers: history, lock) < preflight (facts gathered once, pure checks) < deploy (the steps and the
// strategies that use all of the above).
export const ENGINE_LAYERS = ['core', 'proxy', 'docker', 'odoo', 'state', 'preflight', 'deploy'];

// Where each folder of main/ may reach, besides shared/ (which everything may import).
// The engine is plain TypeScript over injected adapters: no SSH, no local files, no host.
const MAIN_DEPENDS_ON = {
  store: [],
  remote: [],
  engine: [],
  host: ['store', 'remote', 'engine'],
  cli: ['host', 'store', 'remote', 'engine'],
  app: ['host', 'store', 'remote', 'engine'],
};

const TESTS = ['**/*.test.ts', '**/*.test.tsx', '**/*.spec.ts'];

// What headless code (everything in main/ but main/app) may not import.
const HEADLESS = ['main/engine/**', 'main/remote/**', 'main/store/**', 'main/host/**', 'main/cli/**'];
const HEADLESS_PATTERNS = [
  {
    group: ['electron', '**/main/app/**', '../app/*', '../../app/*'],
    message: 'Only main/app may import electron: the engine runs headless too.',
  },
  { group: ['**/renderer/**'], message: 'main never imports the renderer.' },
];
// A child process inherits our environment (FLIPDECK_SECRET_*, the audit key, the key passphrase)
// unless it is given one: main/ starts children only through runChild, which builds it from an allow-list.
const CHILD_PROCESS_MODULE = 'main/engine/core/child-process.ts';
const CHILD_PROCESS_PATTERN = {
  group: ['child_process', 'node:child_process'],
  message: `start children with runChild (${CHILD_PROCESS_MODULE}): it gives them the allow-listed environment of shared/child-env.ts.`,
};

const engineZones = ENGINE_LAYERS.slice(0, -1).map((layer, i) => ({
  target: `./main/engine/${layer}`,
  from: ENGINE_LAYERS.slice(i + 1).map((higher) => `./main/engine/${higher}`),
  message: `engine layers go ${ENGINE_LAYERS.join(' < ')}: ${layer} may not import a layer above it.`,
}));
const mainZones = Object.entries(MAIN_DEPENDS_ON)
  .filter(([folder, allowed]) => Object.keys(MAIN_DEPENDS_ON).some((f) => f !== folder && !allowed.includes(f)))
  .map(([folder, allowed]) => ({
    target: `./main/${folder}`,
    from: Object.keys(MAIN_DEPENDS_ON)
      .filter((f) => f !== folder && !allowed.includes(f))
      .map((f) => `./main/${f}`),
    message: `main/${folder} may import only ${allowed.length ? allowed.map((f) => `main/${f}`).join(', ') + ' and ' : ''}shared/.`,
  }));

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      'test-results/**',
      'playwright-report/**',
      'e2e/lab/.state/**',
      'e2e/lab/odoo-standin/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Import order: no cycles anywhere, and the layers above. Tests may reach into any layer.
    files: ['main/**/*.ts', 'shared/**/*.ts', 'renderer/**/*.{ts,tsx}', 'preload/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.mjs'] })],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs'],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    files: ['main/**/*.ts'],
    ignores: TESTS,
    plugins: { 'import-x': importX },
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            ...engineZones,
            ...mainZones,
            {
              target: './main',
              from: './e2e',
              message: 'product code never imports the lab or the journeys (e2e/): test helpers live in e2e/lab.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['main/**', 'e2e/**', 'scripts/**', 'bin/**', '*.config.*'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['renderer/**', 'preload/browser-bridge.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['shared/**'],
    ignores: ['shared/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/main/**', '**/renderer/**', '**/preload/**', '**/e2e/**'],
              message: 'shared/ imports nothing of ours.',
            },
            { regex: '^(?!zod$|\\.{1,2}/)', message: 'shared/ is pure: only zod and other shared files.' },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/main/**', '**/preload/**', 'electron', 'node:*', 'fs', 'child_process', 'ssh2', 'dockerode'],
              message: 'The renderer talks to main only through the contract in shared/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: HEADLESS,
    ignores: [...TESTS, CHILD_PROCESS_MODULE],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...HEADLESS_PATTERNS, CHILD_PROCESS_PATTERN] }],
    },
  },
  {
    // The one module that starts children; and tests, which start theirs (a CLI, a server) with
    // environments they choose.
    files: [CHILD_PROCESS_MODULE, ...HEADLESS.flatMap((dir) => TESTS.map((t) => `${dir.replace('/**', '')}/${t}`))],
    rules: { 'no-restricted-imports': ['error', { patterns: HEADLESS_PATTERNS }] },
  },
  {
    files: ['main/app/**'],
    ignores: TESTS,
    rules: { 'no-restricted-imports': ['error', { patterns: [CHILD_PROCESS_PATTERN] }] },
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    ignores: ['preload/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='ipcRenderer']",
          message: 'Raw ipcRenderer is only for the preload; use the typed api.',
        },
      ],
    },
  },
);
