import { mkdirSync, readdirSync, rmSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../helpers/paths';

const outDir = path.join(repoRoot, 'out', 'renderer');
const lockDir = path.join(repoRoot, 'out', '.renderer-build.lock');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function isFresh(): boolean {
  const index = path.join(outDir, 'index.html');
  if (!existsSync(index)) return false;
  const sources = Math.max(
    newestMtime(path.join(repoRoot, 'src', 'renderer')),
    newestMtime(path.join(repoRoot, 'src', 'shared')),
  );
  return statSync(index).mtimeMs >= sources;
}

/**
 * The browser tests need out/renderer (what `facegate serve` serves) built from the current
 * sources. When it is older than src/renderer or src/shared, build just the renderer, with the
 * renderer section of electron.vite.config.ts (the same build `npm run build` makes). A lock
 * folder keeps two test files from building at once.
 */
export async function ensureRendererBuilt(): Promise<void> {
  mkdirSync(path.dirname(lockDir), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch {
      if (Date.now() > deadline)
        throw new Error(`${lockDir} is held for too long; remove it if no test is running`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    if (isFresh()) return;
    const [{ build }, configModule] = await Promise.all([
      import('vite'),
      import('../../../electron.vite.config'),
    ]);
    const config = configModule.default as {
      renderer?: { plugins?: unknown[]; build?: { rolldownOptions?: unknown } };
    };
    const renderer = config.renderer ?? {};
    await build({
      configFile: false,
      root: path.join(repoRoot, 'src', 'renderer'),
      base: './',
      logLevel: 'warn',
      plugins: renderer.plugins as never,
      build: {
        outDir,
        emptyOutDir: true,
        rolldownOptions: {
          ...(renderer.build?.rolldownOptions as object | undefined),
          // A slow 2-core test machine is not news: keep the test output quiet.
          checks: { bundlerTimings: false },
        } as never,
      },
    });
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}
