import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FaceGateDatabase } from '../../../src/core/gallery/database';
import { Integrations } from '../../../src/core/integrations';
import { EventBus } from '../../../src/core/service/event-bus';
import type { AttendanceEvent } from '../../../src/shared/attendance';
import {
  defaultIntegrationSettings,
  integrationEventSchema,
  type IntegrationEvent,
  type IntegrationSettings,
} from '../../../src/shared/integrations';
import { skipWithout } from '../../helpers/fixtures';
import { freePort, Mosquitto, mosquittoPath } from '../../helpers/mosquitto';

const checkIn = (id: number): AttendanceEvent => ({
  id,
  at: new Date(Date.UTC(2026, 0, 5, 8, 0, id)).toISOString(),
  person: { id: 7, name: 'Ada Lovelace' },
  kind: 'check_in',
  similarity: 0.7,
  liveness: 0.9,
  doorOpened: true,
  device: 'Front Desk',
  note: null,
});

/** A Home Assistant-like subscriber with a persistent session (QoS 1 survives its absence). */
class Subscriber {
  readonly messages: { topic: string; payload: string; retain: boolean }[] = [];
  constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) =>
      this.messages.push({ topic, payload: payload.toString(), retain: packet.retain }),
    );
  }
  static async connect(url: string, clientId = 'test-home-assistant'): Promise<Subscriber> {
    const client = mqtt.connect(url, { clientId, clean: false, reconnectPeriod: 200 });
    const subscriber = new Subscriber(client);
    await new Promise((resolve) => client.once('connect', resolve));
    await client.subscribeAsync(['facegate/#', 'homeassistant/#'], { qos: 1 });
    return subscriber;
  }
  last(topic: string): string | undefined {
    return this.messages.filter((m) => m.topic === topic).at(-1)?.payload;
  }
  events(): IntegrationEvent[] {
    return this.messages
      .filter((m) => m.topic === 'facegate/front_desk/events')
      .map((m) => JSON.parse(m.payload) as IntegrationEvent);
  }
}

describe.skipIf(skipWithout('mosquitto (apt)', mosquittoPath !== undefined))(
  'MQTT and Home Assistant discovery against a real Mosquitto broker (needs mosquitto)',
  () => {
    let dir: string;
    let broker: Mosquitto;
    let db: FaceGateDatabase;
    let bus: EventBus;
    let integrations: Integrations;
    let subscriber: Subscriber;
    let settings: IntegrationSettings;
    let doorOpens: number;

    beforeEach(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-mqtt-'));
      broker = new Mosquitto(path.join(dir, 'broker'), await freePort());
      await broker.start();
      subscriber = await Subscriber.connect(broker.url);
      settings = { ...defaultIntegrationSettings, mqttEnabled: true, mqttUrl: broker.url };
      doorOpens = 0;
      db = FaceGateDatabase.open(path.join(dir, 'facegate.db'));
      bus = new EventBus();
      integrations = new Integrations({
        db,
        settings: () => settings,
        device: () => 'Front Desk',
        version: 'test',
        now: Date.now,
        log: () => {},
        openDoor: () => {
          doorOpens++;
          return Promise.resolve();
        },
        baseDelayMs: 100,
        maxDelayMs: 500,
        mqttAckTimeoutMs: 1000,
      });
      bus.on((name, payload) => integrations.onEvent(name, payload));
    });

    afterEach(async () => {
      await integrations.close();
      db.close();
      await subscriber.client.endAsync(true);
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('announces itself: retained online, Home Assistant lock/sensor/event discovery, door state; offline on close', async () => {
      bus.emit('door.state', { state: 'locked', previous: 'locked', reason: 'start', at: Date.now() });
      await integrations.start();
      await expect
        .poll(() => subscriber.last('facegate/front_desk/availability'), { timeout: 10_000 })
        .toBe('online');

      const lock = JSON.parse(subscriber.last('homeassistant/lock/facegate_front_desk/door/config') ?? '{}');
      expect(lock).toMatchObject({
        unique_id: 'facegate_front_desk_door',
        state_topic: 'facegate/front_desk/door/state',
        command_topic: 'facegate/front_desk/door/set',
        availability_topic: 'facegate/front_desk/availability',
        device: { identifiers: ['facegate_front_desk'] },
      });
      const sensor = JSON.parse(
        subscriber.last('homeassistant/sensor/facegate_front_desk/last_person/config') ?? '{}',
      );
      expect(sensor.state_topic).toBe('facegate/front_desk/last_person');
      const alarm = JSON.parse(
        subscriber.last('homeassistant/event/facegate_front_desk/alarm/config') ?? '{}',
      );
      expect(alarm.event_types).toEqual([
        'door_fault',
        'door_disconnected',
        'spoof_attempt',
        'injection_attempt',
        'duress',
        'door_held_open',
        'door_forced',
      ]);
      expect(subscriber.last('facegate/front_desk/door/state')).toBe('LOCKED');

      bus.emit('attendance.recorded', checkIn(1));
      bus.emit('door.state', {
        state: 'fault',
        previous: 'locked',
        reason: 'relay',
        at: Date.now(),
        detail: 'USB gone',
      });
      // The door state at start, the check-in, the fault's door state and its alarm (QoS 1, in any order).
      await expect.poll(() => subscriber.events().length, { timeout: 10_000 }).toBeGreaterThanOrEqual(4);
      expect(
        subscriber
          .events()
          .map((event) => event.kind)
          .sort(),
      ).toEqual(['alarm', 'check_in', 'door_state', 'door_state']);
      for (const event of subscriber.events())
        expect(integrationEventSchema.safeParse(event).success).toBe(true);
      expect(JSON.parse(subscriber.last('facegate/front_desk/last_person') ?? '{}')).toMatchObject({
        name: 'Ada Lovelace',
        kind: 'check_in',
      });
      await expect
        .poll(() => subscriber.last('facegate/front_desk/door/state'), { timeout: 5000 })
        .toBe('JAMMED');
      await expect
        .poll(() => JSON.parse(subscriber.last('facegate/front_desk/alarm') ?? '{}').event_type, {
          timeout: 5000,
        })
        .toBe('door_fault');

      // A fresh subscriber sees the retained state at once (Home Assistant after its own restart).
      const late = await Subscriber.connect(broker.url, 'test-late-subscriber');
      await expect.poll(() => late.last('facegate/front_desk/door/state'), { timeout: 5000 }).toBe('JAMMED');
      await late.client.endAsync(true);

      await integrations.close();
      await expect
        .poll(() => subscriber.last('facegate/front_desk/availability'), { timeout: 5000 })
        .toBe('offline');
    });

    it.each(['SIGTERM', 'SIGKILL'] as const)(
      'loses no promised event when the broker is killed (%s) mid-stream and restarted (QoS 1 through the outbox)',
      async (signal) => {
        await integrations.start();
        await expect
          .poll(() => subscriber.last('facegate/front_desk/availability'), { timeout: 10_000 })
          .toBe('online');
        for (let i = 1; i <= 20; i++) {
          bus.emit('attendance.recorded', checkIn(i));
          if (i === 8) await broker.stop(signal); // mid-stream: events 9..20 find no broker
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        integrations.flush();
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(integrations.store.pendingCount('mqtt')).toBeGreaterThan(0);
        await broker.start();
        await expect
          .poll(() => new Set(subscriber.events().map((e) => e.attendance?.eventId)).size, {
            timeout: 20_000,
          })
          .toBe(20);
        await expect.poll(() => integrations.store.pendingCount('mqtt'), { timeout: 10_000 }).toBe(0);
        const log = integrations.store.deliveries({ target: 'mqtt', limit: 100 });
        expect(log).toHaveLength(20);
        expect(log.every((d) => d.state === 'delivered')).toBe(true);
      },
    );

    it('the door command is off by default; when on, only the exact secret opens the door', async () => {
      await integrations.start();
      await expect
        .poll(() => subscriber.last('facegate/front_desk/availability'), { timeout: 10_000 })
        .toBe('online');
      await subscriber.client.publishAsync('facegate/front_desk/door/set', 'UNLOCK', { qos: 1 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(doorOpens).toBe(0);

      const secret = 'correct-horse-battery-staple';
      settings = { ...settings, mqttCommandEnabled: true, mqttCommandSecret: secret };
      await integrations.apply();
      await expect
        .poll(
          () =>
            JSON.parse(subscriber.last('homeassistant/lock/facegate_front_desk/door/config') ?? '{}')
              .payload_unlock,
          {
            timeout: 10_000,
          },
        )
        .toBe(secret);
      for (const wrong of ['UNLOCK', `${secret}x`, secret.slice(0, -1), '']) {
        await subscriber.client.publishAsync('facegate/front_desk/door/set', wrong, { qos: 1 });
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(doorOpens).toBe(0);
      await subscriber.client.publishAsync('facegate/front_desk/door/set', secret, { qos: 1 });
      await expect.poll(() => doorOpens, { timeout: 5000 }).toBe(1);
    });
  },
);
