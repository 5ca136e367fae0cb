import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

/**
 * Three builds into out/: the main process (ESM, native dependencies left to node_modules), the
 * preload (one self-contained CommonJS file, as a sandboxed preload must be) and the renderer
 * (Svelte; also what `facegate serve` serves to browsers).
 */
export default defineConfig({
  main: {
    build: {
      rolldownOptions: {
        input: {
          index: resolve('src/main/index.ts'),
          // The inference host's Electron side: forked as a utilityProcess (src/main/inference-process.ts).
          'inference-process': resolve('src/main/inference-process.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      // Sandboxed preloads cannot require() anything but electron: bundle zod and the contract in.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('src/renderer'),
    plugins: [svelte()],
    build: {
      rolldownOptions: { input: { index: resolve('src/renderer/index.html') } },
    },
  },
});
