import type { DoorController } from './controller';

const signalNumbers: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 };

export interface ShutdownRelockOptions {
  signals?: NodeJS.Signals[];
  /** After a signal, exit anyway after this long if the orderly relock hangs (default 5000). */
  graceMs?: number;
  /** How the process ends after relocking; process.exit by default. */
  exit?: (code: number) => void;
  /** Told when a signal arrives (e.g. to print "relocking"). */
  onSignal?: (signal: NodeJS.Signals) => void;
}

/**
 * Relock the door however the process ends: on SIGINT/SIGTERM (then exit 128 + signal number),
 * when the event loop runs dry (`beforeExit`), and, as a last resort when something calls
 * process.exit or an exception kills the process, by writing "locked" synchronously on `exit`.
 * A second signal during the relock, or a relock that takes longer than `graceMs`, writes
 * "locked" synchronously and exits at once. The Electron main calls
 * `controller.shutdown()` on quit instead. Returns the function that removes the handlers.
 */
export function installShutdownRelock(
  controller: DoorController,
  options: ShutdownRelockOptions = {},
): () => void {
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;

  const onSignal = (signal: NodeJS.Signals) => {
    const code = 128 + (signalNumbers[signal] ?? 0);
    if (stopping) {
      controller.relockSync();
      exit(code);
      return;
    }
    stopping = true;
    options.onSignal?.(signal);
    // A wedged port must not keep the process (and maybe the door) hanging: write "locked" the
    // blunt way and leave.
    const grace = setTimeout(() => {
      controller.relockSync();
      exit(code);
    }, options.graceMs ?? 5000);
    void controller.shutdown(`signal:${signal}`).finally(() => {
      clearTimeout(grace);
      exit(code);
    });
  };
  const onBeforeExit = () => {
    if (stopping) return;
    stopping = true;
    void controller.shutdown('exit');
  };
  const onExit = () => {
    controller.relockSync();
  };

  for (const signal of signals) process.on(signal, onSignal);
  process.on('beforeExit', onBeforeExit);
  process.on('exit', onExit);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
    process.off('beforeExit', onBeforeExit);
    process.off('exit', onExit);
  };
}
