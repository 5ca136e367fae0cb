import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkerInferenceHost, RestartingInferenceHost } from '../../../src/core/inference';
import { createFaceGateService, type CallerSession, type FaceGateService } from '../../../src/core/service';
import { hasSharedFaces, hasSharedModels, identityPhotos } from '../../helpers/paths';
import { rgbaFrameFromPhoto, withSensorNoise } from './camera-frames';
import { skipWithout } from '../../helpers/fixtures';

/**
 * Issue 13: when the inference host died nothing restarted it, and a kiosk that runs for days
 * stayed blind. A real worker thread with the real models is killed under a running service:
 * the status says so, a new worker starts by itself, the models load again and frames work.
 */
const missing = [!hasSharedModels && '../shared/models', !hasSharedFaces && '../shared/faces'].filter(
  Boolean,
);

describe.skipIf(skipWithout(missing.join(', '), missing.length === 0))('inference host restart', () => {
  let dir: string;
  let service: FaceGateService;
  let kiosk: CallerSession;
  const workers: Worker[] = [];
  const logs: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-restart-'));
    const host = new RestartingInferenceHost(
      () => createWorkerInferenceHost({ onWorker: (worker) => workers.push(worker) }),
      { minDelayMs: 300, log: (line) => logs.push(line) },
    );
    service = await createFaceGateService({
      inference: host,
      databasePath: path.join(dir, 'facegate.db'),
      validateResults: true,
      log: (line) => logs.push(line),
    });
    kiosk = service.openSession('test-kiosk', { trustedKiosk: true });
  }, 120_000);
  afterAll(async () => {
    await service?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('restarts a killed worker with backoff, says so in the status, and frames work again', async () => {
    const frame = await rgbaFrameFromPhoto(identityPhotos()[0].path);
    const submit = (seed: number) =>
      service.call(
        'frames.submit',
        { ...frame, data: withSensorNoise(frame.data, seed), timestamp: seed },
        kiosk,
      );
    const before = await submit(1);
    expect(before).toMatchObject({ status: 'processed' });
    if (before.status === 'processed') expect(before.faces.length).toBeGreaterThanOrEqual(1);

    expect(workers).toHaveLength(1);
    await workers[0].terminate(); // what a native crash or the OOM killer does to it

    await expect
      .poll(async () => (await service.call('status.get', {}, kiosk)).models, { timeout: 5000, interval: 50 })
      .toMatchObject({ state: 'error', message: expect.stringMatching(/restarts by itself/) });
    expect(await submit(2)).toMatchObject({ status: 'dropped', reason: 'not_ready' });

    await expect
      .poll(async () => (await service.call('status.get', {}, kiosk)).models.state, {
        timeout: 60_000,
        interval: 200,
      })
      .toBe('ready');
    expect(workers).toHaveLength(2);
    const status = await service.call('status.get', {}, kiosk);
    expect(status.models.message).toMatch(/restarted 1 time/);
    const after = await submit(3);
    expect(after).toMatchObject({ status: 'processed' });
    if (after.status === 'processed') expect(after.faces.length).toBeGreaterThanOrEqual(1);
    expect(logs.some((l) => /restarting in 300 ms/.test(l))).toBe(true);

    // A second crash soon after: the delay doubles (a host that crashes in a loop is not hammered).
    await workers[1].terminate();
    await expect
      .poll(async () => (await service.call('status.get', {}, kiosk)).models.state, {
        timeout: 60_000,
        interval: 200,
      })
      .toBe('ready');
    expect(logs.some((l) => /restarting in 600 ms/.test(l))).toBe(true);
    expect(await submit(4)).toMatchObject({ status: 'processed' });
  }, 180_000);
});
