// Lint enforces where code runs, so nobody has to remember the house rules:
// shared imports nothing of ours (zod only), renderer never reaches main or Node,
// the engine never touches Electron, and raw ipcRenderer stays inside preload.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';


export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'e2e/lab/.state/**', 'e2e/lab/odoo-standin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
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
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/main/**', '**/renderer/**', '**/preload/**', '**/e2e/**'], message: 'shared/ imports nothing of ours.' },
          { regex: '^(?!zod$|\\.{1,2}/)', message: 'shared/ is pure: only zod and other shared files.' },
        ],
      }],
    },
  },
  {
    files: ['renderer/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/main/**', '**/preload/**', 'electron', 'node:*', 'fs', 'child_process', 'ssh2', 'dockerode'], message: 'The renderer talks to main only through the contract in shared/.' },
        ],
      }],
    },
  },
  {
    files: ['main/engine/**', 'main/remote/**', 'main/store/**', 'main/host/**', 'main/cli/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['electron', '**/main/app/**', '../app/*', '../../app/*'], message: 'Only main/app may import electron: the engine runs headless too.' },
          { group: ['**/renderer/**'], message: 'main never imports the renderer.' },
        ],
      }],
    },
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    ignores: ['preload/**'],
    rules: {
      'no-restricted-syntax': ['error', {
        selector: "MemberExpression[object.name='ipcRenderer']",
        message: 'Raw ipcRenderer is only for the preload; use the typed api.',
      }],
    },
  },
);
