import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkerInferenceHost } from '../../../src/core/inference';
import { createFaceGateService, type FaceGateService } from '../../../src/core/service';
import { routeIpcCall } from '../../../src/main/ipc-router';
import { appOrigins } from '../../../src/main/security';

const origins = appOrigins();
const app = { url: 'app://facegate/index.html', isMainFrame: true };

describe('IPC routing (the part of the adapter that needs no Electron)', () => {
  let dir: string;
  let service: FaceGateService;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-ipc-'));
    service = await createFaceGateService({
      inference: createWorkerInferenceHost(),
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
});
