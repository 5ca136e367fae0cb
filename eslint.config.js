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
