// Bundles the Node-side entry points (CLI, inference worker) into dist/ with esbuild.
// Dependencies stay external: native addons (onnxruntime-node, better-sqlite3, sharp, serialport)
// must be loaded from node_modules.
import { build } from 'esbuild';

const entryPoints = {
  cli: 'src/cli/bin.ts',
  // `facegate serve` relocks the recorded door with this before loading the CLI (bin/facegate.js).
  'early-relock': 'src/cli/early-relock.ts',
  // The headless host's inference worker thread (src/core/inference/worker-host.ts finds it beside cli.js).
  'inference-worker': 'src/core/inference/worker.ts',
};

await build({
  entryPoints,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});

// The browser side of `facegate serve` (window.facegate over the WebSocket): one classic script,
// zod and the contract bundled in, served by the host as /facegate-client.js.
await build({
  entryPoints: { 'facegate-client': 'src/server/client.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: ['chrome120', 'firefox120', 'safari16'],
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
});
