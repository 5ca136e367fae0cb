#!/usr/bin/env node
// The `facegate` command. `npm run build` (run by `npm install`) bundles the CLI into dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  console.error('facegate: the CLI is not built yet. Run `npm run build` in the repository root.');
  process.exit(70);
}
// A door left released by a crash is relocked before anything heavy loads (docs/door.md).
const early = new URL('../dist/early-relock.js', import.meta.url);
if (process.argv[2] === 'serve' && existsSync(fileURLToPath(early))) {
  try {
    await (await import(early.href)).earlyRelock(process.argv.slice(2));
  } catch (error) {
    console.error(`facegate serve: early relock failed (${error?.message}); the door controller retries.`);
  }
}
await import(cli.href);
