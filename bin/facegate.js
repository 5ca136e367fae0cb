#!/usr/bin/env node
// The `facegate` command. `npm run build` (run by `npm install`) bundles the CLI into dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  console.error('facegate: the CLI is not built yet. Run `npm run build` in the repository root.');
  process.exit(70);
}
await import(cli.href);
