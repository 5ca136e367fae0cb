import '../models/telemetry-off';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { RpcInferenceHost } from './rpc-host';
import type { InferenceResponse } from './types';

export interface WorkerHostOptions {
  /** The worker's entry; default: worker.ts beside this file from sources, inference-worker.js when bundled. */
  entry?: URL;
  /** Extra resource limits or env for the worker. */
  env?: NodeJS.ProcessEnv;
  /** Sees the worker thread once it exists (tests kill it to check the restart). */
  onWorker?: (worker: Worker) => void;
}

/**
 * Bundled (dist/cli.js) the worker is dist/inference-worker.js. Running from sources (vitest, tsx)
 * it is worker.ts, which plain Node cannot load: `--import tsx` in a worker's execArgv does not
 * reach its entry module, so a one-line bootstrap registers tsx in the worker and imports it.
 */
function spawn(entry: URL | undefined, env: NodeJS.ProcessEnv): Worker {
  const options = { env, name: 'facegate-inference' };
  if (entry) return new Worker(entry, options);
  const here = import.meta.url;
  if (!/\.[cm]?ts$/.test(new URL(here).pathname))
    return new Worker(new URL('./inference-worker.js', here), options);
  const tsx = tsxEsmApi(here);
  const worker = new URL('./worker.ts', here).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(worker)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/** The inference host of the headless server, the CLI and the tests: a worker thread. */
export function createWorkerInferenceHost(options: WorkerHostOptions = {}): RpcInferenceHost {
  const worker = spawn(options.entry, options.env ?? process.env);
  options.onWorker?.(worker);
  let exitListener: ((reason: string) => void) | undefined;
  let reported = false;
  const report = (reason: string) => {
    if (reported) return;
    reported = true;
    exitListener?.(reason);
  };
  worker.on('error', (error) => report(`error: ${error.message}`));
  worker.on('exit', (code) => report(`exit code ${code}`));
  return new RpcInferenceHost('worker', {
    post: (request, transfer) => {
      try {
        worker.postMessage(request, transfer);
      } catch {
        // A buffer that cannot be moved (external memory) is copied instead.
        worker.postMessage(request);
      }
    },
    onMessage: (listener) => worker.on('message', (message: InferenceResponse) => listener(message)),
    onExit: (listener) => {
      exitListener = listener;
    },
    terminate: async () => {
      await worker.terminate();
    },
  });
}

/** tsx's ESM API module (require.resolve would give its CommonJS twin, which cannot register ESM hooks). */
function tsxEsmApi(from: string): string {
  const manifest = createRequire(from).resolve('tsx/package.json');
  const exports = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, unknown> })
    .exports;
  const entry = (exports['./esm/api'] as { import: { default: string } }).import.default;
  return pathToFileURL(path.join(path.dirname(manifest), entry)).href;
}
