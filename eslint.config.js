import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

// Parts of the app that must run under plain Node (DESIGN.md: "src/core never imports electron
// nor touches the DOM").
const nodeOnly = ['src/core/**', 'src/shared/**', 'src/cli/**', 'src/server/**'];
const domGlobals = [
  'window',
  'document',
  'navigator',
  'location',
  'localStorage',
  'sessionStorage',
  'HTMLElement',
  'HTMLCanvasElement',
  'HTMLVideoElement',
  'requestAnimationFrame',
  'getComputedStyle',
  'alert',
].map((name) => ({ name, message: 'Node-only code must not touch the DOM (DESIGN.md).' }));

export default tseslint.config(
  {
    ignores: ['node_modules/', 'dist/', 'out/', 'release/', 'bench/results/', 'test-results/', '.gl/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  // Type-aware rules (a promise nobody awaits or catches, a promise where a callback's void is
  // expected): over the TypeScript of both projects, tsconfig.json (Node side) and tsconfig.web.json
  // (renderer). Only these two typed rules: the full typed presets double the lint time here.
  {
    files: ['**/*.ts', '**/*.svelte'],
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.json', './tsconfig.web.json'],
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.svelte'],
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  // DESIGN.md: raw IPC lives in the two adapter files only; everything else goes through the contract.
  {
    files: ['src/**'],
    ignores: ['src/main/ipc.ts', 'src/preload/index.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'ImportSpecifier[imported.name=/^ipc(Main|Renderer)$/], MemberExpression[property.name=/^ipc(Main|Renderer)$/]',
          message:
            'Raw ipcMain/ipcRenderer only in src/main/ipc.ts and src/preload/index.ts (DESIGN.md); add a contract call instead.',
        },
      ],
    },
  },
  // One way to skip a test (test/helpers/fixtures.ts), so FACEGATE_REQUIRE_FIXTURES=1 turns every
  // skip for a missing fixture into a failure; .skip/.todo/.only are never committed.
  {
    files: ['test/**', 'bench/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'CallExpression[callee.property.name=/^(skipIf|runIf)$/]:not([arguments.0.callee.name=/^(skipWithout|skipUnlessPlatform|skipWithoutElectron)$/])',
          message:
            'Skip only through test/helpers/fixtures.ts (skipWithout, skipUnlessPlatform, skipWithoutElectron).',
        },
        {
          selector: 'MemberExpression[property.name=/^(skip|todo|only)$/]',
          message:
            'No .skip/.todo/.only: use skipWithout() from test/helpers/fixtures.ts, which CI turns into a failure.',
        },
      ],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] },
    },
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/core/**',
                '**/main/**',
                '**/server/**',
                'electron',
                'onnxruntime-node',
                'better-sqlite3',
                'serialport',
              ],
              message: 'The renderer talks only to window.facegate and imports only src/shared (DESIGN.md).',
            },
          ],
        },
      ],
    },
  },
  {
    files: nodeOnly,
    rules: {
      'no-restricted-globals': ['error', ...domGlobals],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'Only src/main and src/preload may import electron (DESIGN.md).' },
          ],
          patterns: [
            {
              group: ['electron/*'],
              message: 'Only src/main and src/preload may import electron (DESIGN.md).',
            },
            {
              group: ['**/main/**', '**/preload/**', '**/renderer/**'],
              message: 'Node-only code must not depend on the Electron or UI layers.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/shared/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              // Packages other than zod are refused; sibling files inside src/shared are fine.
              regex: '^(?!zod$|\\./)',
              message: 'src/shared imports zod and its own files only (DESIGN.md).',
            },
          ],
        },
      ],
    },
  },
);
