import { execFileSync } from 'node:child_process';

/** Tests that spawn `bin/facegate.js` need a fresh bundle of the current sources. */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build-node.mjs'], { stdio: 'inherit' });
}
