import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './paths';

/** The CLI entry every test spawns, exactly as a user runs it (`bin/facegate.js` on this Node). */
export const facegateBin = path.join(repoRoot, 'bin/facegate.js');

export interface CliOptions {
  /** Added to this process's environment; a key set to `undefined` is removed from it. */
  env?: Record<string, string | undefined>;
  /** Written to the command's stdin (synchronous runs only). */
  input?: string;
  cwd?: string;
  /** Milliseconds before the command is killed (synchronous runs only). */
  timeout?: number;
}

export interface CliRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function environment(extra: CliOptions['env'] = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Runs `facegate ARGS` to completion and returns its exit status and output. */
export function runCli(args: readonly string[], options: CliOptions = {}): CliRun {
  const res = spawnSync(process.execPath, [facegateBin, ...args], {
    encoding: 'utf8',
    env: environment(options.env),
    input: options.input,
    cwd: options.cwd,
    timeout: options.timeout,
  });
  return { status: res.status, signal: res.signal, stdout: res.stdout, stderr: res.stderr };
}

/** Starts `facegate ARGS` (a server, a long import) and resolves `done` when it exits. */
export function startCli(
  args: readonly string[],
  options: CliOptions = {},
): { child: ChildProcess; done: Promise<CliRun> } {
  const child = spawn(process.execPath, [facegateBin, ...args], {
    env: environment(options.env),
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
  return { child, done };
}
