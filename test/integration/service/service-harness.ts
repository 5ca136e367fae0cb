import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { decodeImage } from '../../../src/core/image';
import { createWorkerInferenceHost } from '../../../src/core/inference';
import { createFaceGateService, type CallerSession, type FaceGateService } from '../../../src/core/service';
import type { AccessDecision, CallInput, CallName, CallResult } from '../../../src/shared/contract';
import type { EventName, EventPayload } from '../../../src/shared/events';
import { toRgba, withSensorNoise } from './camera-frames';

export interface Harness {
  service: FaceGateService;
  dir: string;
  databasePath: string;
  /** An admin session, logged in with PIN 246813. */
  admin: CallerSession;
  /** A kiosk session (no login; paired by construction, like the app's window). */
  kiosk: CallerSession;
  call<N extends CallName>(name: N, input?: CallInput<N>, session?: CallerSession): Promise<CallResult<N>>;
  events: { name: EventName; payload: unknown }[];
  /** The first event of that name (from index `from` of `events`) that passes the test. */
  next<E extends EventName>(
    name: E,
    test?: (p: EventPayload<E>) => boolean,
    options?: { from?: number; timeoutMs?: number },
  ): Promise<EventPayload<E>>;
  close(): Promise<void>;
}

/** A real service on a temporary database with the real analyzer in a worker thread. */
export async function startService(
  options: { log?: boolean; overlap?: boolean; onWorker?: (worker: Worker) => void } = {},
): Promise<Harness> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-service-'));
  const databasePath = path.join(dir, 'facegate.db');
  const logs: string[] = [];
  const service = await createFaceGateService({
    inference: createWorkerInferenceHost(options.onWorker ? { onWorker: options.onWorker } : {}),
    databasePath,
    validateResults: true,
    ...(options.overlap ? { overlap: true } : {}),
    log: (line) => (options.log ? console.log(line) : logs.push(line)),
  });
  const events: { name: EventName; payload: unknown }[] = [];
  const waiters = new Set<() => void>();
  service.on((name, payload) => {
    events.push({ name, payload });
    for (const wake of [...waiters]) wake();
  });
  const admin = service.openSession('test-admin');
  const kiosk = service.openSession('test-kiosk', { trustedKiosk: true });
  await service.call('admin.setupPin', { pin: '246813' }, admin);
  return {
    service,
    dir,
    databasePath,
    admin,
    kiosk,
    events,
    call: (name, input, session = admin) => service.call(name, input, session),
    next: (name, test = () => true, { from = 0, timeoutMs = 5000 } = {}) =>
      new Promise((resolve, reject) => {
        let seen = from;
        const check = () => {
          for (; seen < events.length; seen++) {
            const e = events[seen];
            if (e.name === name && test(e.payload as never)) {
              waiters.delete(check);
              clearTimeout(timer);
              resolve(e.payload as never);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`no ${name} event within ${timeoutMs} ms; got ${events.map((e) => e.name).join(', ')}`),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: async () => {
      await service.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A frame the size of the (upright) photo, as a portrait camera would give it. */
export async function photoFrame(file: string): Promise<{ width: number; height: number; data: Uint8Array }> {
  return toRgba(await decodeImage(readFileSync(file), file));
}

/** Every frame sent gets its own sensor noise (a camera never repeats a frame bit for bit). */
let seed = 0;

/**
 * Sends the frame from the harness's kiosk until the access policy decides (or `frames` run out),
 * and returns the decision as its access.decision event settles it (door state, attendance written):
 * the frame's result does not wait for the door or the database.
 */
export async function decide(
  h: Harness,
  frame: { width: number; height: number; data: Uint8Array },
  frames = 10,
): Promise<AccessDecision | null> {
  for (let i = 0; i < frames; i++) {
    const result = await h.call(
      'frames.submit',
      { ...frame, data: withSensorNoise(frame.data, ++seed), timestamp: i },
      h.kiosk,
    );
    if (result.status === 'processed' && result.decision) {
      const id = result.decision.id;
      // The pulse and the write run after the result; a loaded machine may take a while.
      return h.next('access.decision', (d) => d.id === id, { timeoutMs: 15_000 });
    }
  }
  return null;
}
