import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** socat is installed (Debian package `socat`; .ci/run installs it). */
export const hasSocat = spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;

/**
 * Two pseudo-terminals joined by socat: what is written to one is read from the other, like a
 * USB-serial cable to a relay board. FaceGate opens `devicePath` (it plays /dev/ttyUSB0); a
 * RelayBoardSimulator listens on `boardPath`. `stop()` pulls the cable (both ends see the port
 * close), `restart()` plugs it back in at the same paths.
 */
export interface PtyPair {
  /** The path FaceGate's `port` setting names. */
  readonly devicePath: string;
  /** The far end, where the board simulator listens. */
  readonly boardPath: string;
  readonly dir: string;
  readonly running: boolean;
  /** Kill socat and wait until it has gone (the links disappear with it). */
  stop(): Promise<void>;
  /** Start socat again with the same links and wait until they exist. */
  restart(): Promise<void>;
  /** Stop and remove the temporary folder. */
  dispose(): Promise<void>;
}

const live = new Set<PtyPair>();

/** Start socat with two linked ptys in a fresh temporary folder and wait until both exist. */
export async function createPtyPair(options: { timeoutMs?: number } = {}): Promise<PtyPair> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-pty-'));
  const devicePath = path.join(dir, 'device');
  const boardPath = path.join(dir, 'board');
  const timeoutMs = options.timeoutMs ?? 10_000;
  let child: ChildProcess | undefined;

  const start = async () => {
    const proc = spawn(
      'socat',
      ['-d', '-d', `pty,raw,echo=0,link=${devicePath}`, `pty,raw,echo=0,link=${boardPath}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child = proc;
    let log = '';
    let ready = false;
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (text: string) => {
      if (!ready) log += text;
      // "starting data transfer loop": both ptys exist and socat copies bytes.
      if (log.includes('starting data transfer loop')) ready = true;
    });
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + timeoutMs;
    while (!(ready && existsSync(devicePath) && existsSync(boardPath))) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(`socat exited (${await exited}) before the ptys were ready: ${log.trim()}`);
      }
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`socat did not create ${devicePath} and ${boardPath} within ${timeoutMs} ms: ${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const killTimer = setTimeout(() => proc.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(killTimer);
  };

  const pair: PtyPair = {
    devicePath,
    boardPath,
    dir,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    stop,
    restart: async () => {
      await stop();
      await start();
    },
    dispose: async () => {
      live.delete(pair);
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  live.add(pair);
  await start();
  return pair;
}

/** For afterEach: stop every pair this process started and remove their folders. */
export async function disposeAllPtyPairs(): Promise<void> {
  await Promise.all([...live].map((pair) => pair.dispose()));
}
