import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repoRoot, sharedModelsDir } from '../../helpers/paths';

export interface ServeProcess {
  /** The page address, e.g. http://127.0.0.1:41234/ */
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  /** Everything the process printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * `facegate serve` as a user starts it (the bundled CLI), on a free port of 127.0.0.1, with its
 * own data folder (a fresh database) and the shared models. Resolves once it prints its address.
 */
export async function startServe(options: {
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}): Promise<ServeProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(repoRoot, 'bin', 'facegate.js'), 'serve', '--port', '0', '--host', '127.0.0.1'],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        FACEGATE_DATA_DIR: options.dataDir,
        FACEGATE_MODELS_PATH: sharedModelsDir,
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  const collect = (chunk: Buffer) => {
    log += chunk.toString('utf8');
    if (log.length > 200_000) log = log.slice(-100_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let url: string | undefined;
  while (!url) {
    const match = /http:\/\/127\.0\.0\.1:(\d+)\/?/.exec(log);
    if (match) url = `http://127.0.0.1:${match[1]}/`;
    else if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`facegate serve exited (${await exited}) before printing its address:\n${log}`);
    } else if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`facegate serve printed no address within ${timeoutMs} ms:\n${log}`);
    } else await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const port = Number(new URL(url).port);

  return {
    url,
    origin: `http://127.0.0.1:${port}`,
    port,
    output: () => log,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
