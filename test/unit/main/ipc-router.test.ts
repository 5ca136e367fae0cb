import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkerInferenceHost } from '../../../src/core/inference';
import { createFaceGateService, type FaceGateService } from '../../../src/core/service';
import type { MessagePort, Worker } from 'node:worker_threads';
import { FramePortBroker, workerFramePortWiring } from '../../../src/core/service/frame-port-broker';
import { routeFramePortRequest, routeIpcCall } from '../../../src/main/ipc-router';
import { appOrigins } from '../../../src/main/security';

const origins = appOrigins();
const app = { url: 'app://facegate/index.html', isMainFrame: true };

describe('IPC routing (the part of the adapter that needs no Electron)', () => {
  let dir: string;
  let service: FaceGateService;
  let worker: Worker | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-ipc-'));
    service = await createFaceGateService({
      inference: createWorkerInferenceHost({ onWorker: (w) => (worker = w) }),
      databasePath: path.join(dir, 'facegate.db'),
      waitForModels: false,
    });
  });
  afterAll(async () => {
    await service?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the app’s main frame with the result as data', async () => {
    const session = service.openSession('ipc:1');
    const reply = await routeIpcCall(service, session, app, origins, 'admin.state', undefined);
    expect(reply).toEqual({ ok: true, value: expect.objectContaining({ pinSet: false, loggedIn: false }) });
  });

  it('refuses frames that are not the app’s main frame, without calling the service', async () => {
    const session = service.openSession('ipc:2');
    for (const frame of [
      { url: 'https://evil.example/', isMainFrame: true },
      { url: 'app://facegate/index.html', isMainFrame: false },
      null,
    ]) {
      const reply = await routeIpcCall(service, session, frame, origins, 'admin.setupPin', { pin: '1234' });
      expect(reply).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    }
    // Nothing reached the service: the PIN is still unset.
    expect((await service.call('admin.state', {}, session)).pinSet).toBe(false);
  });

  it('turns unknown calls, bad input and admin calls without a login into error replies', async () => {
    const session = service.openSession('ipc:3');
    expect(await routeIpcCall(service, session, app, origins, 'toString', {})).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT' },
    });
    expect(await routeIpcCall(service, session, app, origins, 'admin.setupPin', { pin: 12 })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT', message: expect.stringContaining('pin') },
    });
    expect(await routeIpcCall(service, session, app, origins, 'people.list', {})).toMatchObject({
      ok: false,
      error: { code: 'UNAUTHORIZED' },
    });
  });

  it('hands a frame port only to the app’s main frame, for that window’s session', () => {
    const broker = new FramePortBroker(
      service,
      workerFramePortWiring(() => worker),
    );
    const session = service.openSession('ipc:4', { trustedKiosk: true });
    const delivered: MessagePort[] = [];
    for (const frame of [
      { url: 'https://evil.example/', isMainFrame: true },
      { url: 'app://facegate/index.html', isMainFrame: false },
      null,
    ]) {
      const reply = routeFramePortRequest(broker, session, frame, origins, (p) => delivered.push(p));
      expect(reply).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    }
    expect(delivered).toHaveLength(0);
    expect(broker.count(session)).toBe(0);
    expect(routeFramePortRequest(broker, session, app, origins, (p) => delivered.push(p))).toEqual({
      ok: true,
      value: null,
    });
    expect(delivered).toHaveLength(1);
    expect(broker.count(session)).toBe(1);
    broker.revoke(session);
    expect(broker.count(session)).toBe(0);
    delivered[0].close();
  });
});
