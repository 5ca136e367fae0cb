import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FaceGateDatabase } from '../../../src/core/gallery/database';
import { Integrations } from '../../../src/core/integrations';
import { verifyWebhook } from '../../../src/core/integrations/webhooks';
import { EventBus } from '../../../src/core/service/event-bus';
import type { AttendanceEvent } from '../../../src/shared/attendance';
import {
  defaultIntegrationSettings,
  integrationEventSchema,
  type IntegrationSettings,
} from '../../../src/shared/integrations';
import { WebhookReceiver } from './webhook-receiver';

const attendance = (id: number, kind: AttendanceEvent['kind'], name = 'Ada'): AttendanceEvent => ({
  id,
  at: new Date(Date.UTC(2026, 0, 5, 8, 0, id)).toISOString(),
  person: kind === 'unknown' ? null : { id: 7, name },
  kind,
  similarity: kind === 'unknown' ? 0.2 : 0.71,
  liveness: 0.93,
  doorOpened: kind === 'check_in',
  device: 'front-desk',
  note: null,
});

describe('webhooks through the durable outbox (real SQLite file, real HTTP receiver)', () => {
  let dir: string;
  let dbFile: string;
  let db: FaceGateDatabase;
  let bus: EventBus;
  let integrations: Integrations;
  let receiver: WebhookReceiver;
  let settings: IntegrationSettings;
  const logs: string[] = [];

  const open = () => {
    db = FaceGateDatabase.open(dbFile);
    bus = new EventBus();
    integrations = new Integrations({
      db,
      settings: () => settings,
      device: () => 'front-desk',
      version: 'test',
      now: Date.now,
      log: (line) => logs.push(line),
      openDoor: () => Promise.resolve(),
      baseDelayMs: 50,
      maxDelayMs: 200,
    });
    bus.on((name, payload) => integrations.onEvent(name, payload));
    return integrations.start();
  };

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-webhooks-'));
    dbFile = path.join(dir, 'facegate.db');
    settings = { ...defaultIntegrationSettings };
    receiver = await WebhookReceiver.start();
    await open();
  });

  afterEach(async () => {
    await integrations.close();
    db.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const endpoint = (kinds: Parameters<Integrations['store']['createEndpoint']>[0]['kinds']) => {
    const created = integrations.store.createEndpoint({
      url: receiver.url,
      kinds,
      description: '',
      enabled: true,
    });
    integrations.reloadEndpoints();
    receiver.secret = created.secret;
    return created;
  };

  it('posts the kinds an endpoint asked for, signed over timestamp and body, in the documented schema', async () => {
    endpoint(['check_in', 'door_state', 'alarm']);
    bus.emit('attendance.recorded', attendance(1, 'check_in'));
    bus.emit('attendance.recorded', attendance(2, 'unknown')); // not subscribed
    bus.emit('door.state', {
      state: 'fault',
      previous: 'locked',
      reason: 'relay',
      at: Date.now(),
      detail: 'USB gone',
    });
    await receiver.waitFor(3);
    await integrations.settled();

    expect(receiver.badSignatures).toBe(0);
    const kinds = receiver.bodies.map((b) => b.kind).sort();
    expect(kinds).toEqual(['alarm', 'check_in', 'door_state']);
    for (const body of receiver.bodies) expect(integrationEventSchema.safeParse(body).success).toBe(true);
    const checkIn = receiver.bodies.find((b) => b.kind === 'check_in')!;
    expect(checkIn.person).toEqual({ id: 7, name: 'Ada' });
    expect(checkIn.attendance?.eventId).toBe(1);
    expect(receiver.bodies.find((b) => b.kind === 'alarm')?.alarm).toEqual({
      kind: 'door_fault',
      detail: 'USB gone',
    });
    // Each delivery carries its event id and kind in headers; the timestamp is recent.
    for (const request of receiver.requests) {
      expect(request.headers['x-facegate-delivery']).toBe(JSON.parse(request.body).id);
      expect(Math.abs(Number(request.headers['x-facegate-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
    }
    const log = integrations.store.deliveries({ limit: 10 });
    expect(log.map((d) => d.state)).toEqual(['delivered', 'delivered', 'delivered']);
  });

  it('keeps retrying with backoff while the receiver is down and delivers everything once it is back', async () => {
    endpoint(['check_in', 'check_out']);
    const port = receiver.port;
    await receiver.close(); // connection refused from now on
    for (let i = 1; i <= 5; i++)
      bus.emit('attendance.recorded', attendance(i, i % 2 ? 'check_in' : 'check_out'));
    integrations.flush();
    await expect
      .poll(() => integrations.store.deliveries({ limit: 10 }).every((d) => d.attempts >= 2), {
        timeout: 10_000,
      })
      .toBe(true);
    expect(integrations.store.deliveries({ limit: 10 }).every((d) => d.state === 'pending')).toBe(true);
    expect(integrations.store.deliveries({ limit: 1 })[0].lastError).toMatch(/ECONNREFUSED/);

    receiver = await WebhookReceiver.start(port, receiver.secret);
    await receiver.waitFor(5, 15_000);
    await integrations.settled();
    expect(receiver.badSignatures).toBe(0);
    expect(new Set(receiver.bodies.map((b) => b.attendance?.eventId))).toEqual(new Set([1, 2, 3, 4, 5]));
    const log = integrations.store.deliveries({ limit: 10 });
    expect(log.every((d) => d.state === 'delivered' && d.attempts >= 3)).toBe(true);
  });

  it('loses nothing across a restart: rows written while the receiver was down go out from the next process', async () => {
    endpoint(['check_in']);
    const port = receiver.port;
    const secret = receiver.secret;
    await receiver.close();
    for (let i = 1; i <= 3; i++) bus.emit('attendance.recorded', attendance(i, 'check_in'));
    await integrations.close(); // flushes the batch to SQLite, then stops
    db.close();

    receiver = await WebhookReceiver.start(port, secret);
    await open(); // a new process on the same file
    await receiver.waitFor(3, 15_000);
    expect(receiver.bodies.map((b) => b.attendance?.eventId).sort()).toEqual([1, 2, 3]);
  });

  it('a receiver answering 500 is retried; 410 Gone stops at once; max attempts marks the row failed', async () => {
    settings = { ...settings, maxAttempts: 3 };
    endpoint(['check_in', 'denied']);
    receiver.status = () => 500;
    bus.emit('attendance.recorded', attendance(1, 'check_in'));
    await expect
      .poll(() => integrations.store.deliveries({ limit: 1 })[0]?.state, { timeout: 10_000 })
      .toBe('failed');
    const failed = integrations.store.deliveries({ limit: 1 })[0];
    expect(failed).toMatchObject({ attempts: 3, lastStatus: 500, lastError: 'HTTP 500' });

    receiver.status = () => 410;
    bus.emit('attendance.recorded', attendance(2, 'denied'));
    integrations.flush();
    await expect
      .poll(() => integrations.store.deliveries({ limit: 1 })[0]?.state, { timeout: 10_000 })
      .toBe('failed');
    expect(integrations.store.deliveries({ limit: 1 })[0]).toMatchObject({ attempts: 1, lastStatus: 410 });
  });

  it('a slow receiver never holds up the emitter, and the test event is delivered like any other', async () => {
    const created = endpoint(['check_in']);
    receiver.delayMs = 1500;
    const before = receiver.requests.length;
    bus.emit('attendance.recorded', attendance(1, 'check_in'));
    // emit returned at once: nothing was even written yet (that happens after this tick).
    expect(integrations.store.deliveries({ limit: 10 })).toHaveLength(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(integrations.store.deliveries({ limit: 10 })).toHaveLength(1);
    expect(receiver.requests.length).toBe(before);
    const id = integrations.sendTest(created.id);
    await receiver.waitFor(2, 10_000);
    expect(receiver.bodies.find((b) => b.kind === 'test')?.id).toBe(id);
  });
});

describe('webhook signature verification (what a receiver does)', () => {
  const secret = 'whsec_test';
  const body = '{"schema":"facegate.event/1"}';
  const now = 1_800_000_000;
  const sign = (t: number, b: string) =>
    `sha256=${createHmac('sha256', secret).update(`${t}.${b}`).digest('hex')}`;

  it('accepts the right signature and refuses a changed body, a wrong secret and a replayed old timestamp', () => {
    expect(verifyWebhook(secret, { signature: sign(now, body), timestamp: String(now) }, body, now)).toBe(
      true,
    );
    expect(
      verifyWebhook(secret, { signature: sign(now, body), timestamp: String(now) }, `${body} `, now),
    ).toBe(false);
    expect(verifyWebhook('other', { signature: sign(now, body), timestamp: String(now) }, body, now)).toBe(
      false,
    );
    // A captured request replayed ten minutes later, or its signature with a fresh timestamp.
    expect(
      verifyWebhook(secret, { signature: sign(now - 600, body), timestamp: String(now - 600) }, body, now),
    ).toBe(false);
    expect(
      verifyWebhook(secret, { signature: sign(now - 600, body), timestamp: String(now) }, body, now),
    ).toBe(false);
    expect(verifyWebhook(secret, { signature: undefined, timestamp: String(now) }, body, now)).toBe(false);
  });
});
