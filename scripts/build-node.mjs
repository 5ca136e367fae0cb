// Bundles the Node-side entry points (CLI, inference worker) into dist/ with esbuild.
// Dependencies stay external: native addons (onnxruntime-node, better-sqlite3, sharp, serialport)
// must be loaded from node_modules.
import { build } from 'esbuild';

const entryPoints = {
  cli: 'src/cli/bin.ts',
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
