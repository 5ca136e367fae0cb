import { timingSafeEqual } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { alarmKinds, type IntegrationEvent, type IntegrationSettings } from '../../shared/integrations';
import type { OutboxTarget, SendResult } from './outbox';

export type MqttState = 'disabled' | 'connecting' | 'connected' | 'offline' | 'error';

/** The topics of one desk: `<prefix>/<device>/...` (docs/integrations.md lists them). */
export function mqttTopics(
  settings: Pick<IntegrationSettings, 'mqttTopicPrefix' | 'mqttDiscoveryPrefix'>,
  device: string,
) {
  const slug = deviceSlug(device);
  const base = `${settings.mqttTopicPrefix}/${slug}`;
  const nodeId = `facegate_${slug}`;
  const discovery = settings.mqttDiscoveryPrefix;
  return {
    base,
    nodeId,
    availability: `${base}/availability`,
    events: `${base}/events`,
    doorState: `${base}/door/state`,
    doorCommand: `${base}/door/set`,
    lastPerson: `${base}/last_person`,
    alarm: `${base}/alarm`,
    discoveryLock: `${discovery}/lock/${nodeId}/door/config`,
    discoveryLastPerson: `${discovery}/sensor/${nodeId}/last_person/config`,
    discoveryAlarm: `${discovery}/event/${nodeId}/alarm/config`,
  };
}

/** A topic level from the desk name: lower-case letters, digits, _ and - only. */
export function deviceSlug(device: string): string {
  const slug = device
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return slug || 'desk';
}

/** Home Assistant's lock states for the relay's. */
const lockState = {
  locked: 'LOCKED',
  unlocked: 'UNLOCKED',
  fault: 'JAMMED',
  disconnected: 'JAMMED',
} as const;

export interface MqttBridgeOptions {
  settings: () => IntegrationSettings;
  device: () => string;
  version: string;
  /** The door command arrived with the right secret: open the door (through the service). */
  openDoor: () => Promise<void>;
  /** Called when the connection comes up (the outbox sends what waited). */
  onReady: () => void;
  /** The current door state, republished (retained) on every connect. */
  doorState: () => IntegrationEvent['door'];
  log: (line: string) => void;
  /** How long to wait for a PUBACK before the attempt counts as failed. */
  ackTimeoutMs?: number;
}

/**
 * FaceGate on an MQTT broker (MQTT.js): availability retained with a last will, Home Assistant
 * discovery (retained), every public event at QoS 1 through the outbox (a row is delivered only
 * once the broker acknowledged it), the door state and last person retained, alarms as a Home
 * Assistant event entity, and the optional door command (off by default; needs the secret).
 */
export class MqttBridge implements OutboxTarget {
  private client: MqttClient | undefined;
  private connected = false;
  private stateValue: MqttState = 'disabled';
  private message: string | null = null;
  private configured = '';

  constructor(private readonly options: MqttBridgeOptions) {}

  get state(): { state: MqttState; message: string | null } {
    return { state: this.stateValue, message: this.message };
  }

  ready(): boolean {
    return this.connected;
  }

  concurrency(): number {
    // In order: the retained state topics must end on the newest event.
    return 1;
  }

  /** (Re)connect when the broker settings changed; disconnect when MQTT is off. */
  async apply(): Promise<void> {
    const s = this.options.settings();
    const device = this.options.device();
    const key = JSON.stringify([
      s.mqttEnabled,
      s.mqttUrl,
      s.mqttUsername,
      s.mqttPassword,
      s.mqttTopicPrefix,
      s.mqttDiscovery,
      s.mqttDiscoveryPrefix,
      s.mqttCommandEnabled,
      s.mqttCommandSecret,
      device,
    ]);
    if (key === this.configured) return;
    this.configured = key;
    await this.disconnect();
    if (!s.mqttEnabled || !s.mqttUrl) {
      this.stateValue = 'disabled';
      this.message = null;
      return;
    }
    const topics = mqttTopics(s, device);
    this.stateValue = 'connecting';
    const client = mqtt.connect(s.mqttUrl, {
      clientId: `${topics.nodeId}_${process.pid}`,
      username: s.mqttUsername ?? undefined,
      password: s.mqttPassword ?? undefined,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      will: { topic: topics.availability, payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    this.client = client;
    client.on('connect', () => {
      if (this.client !== client) return;
      this.connected = true;
      this.stateValue = 'connected';
      this.message = null;
      void this.announce(client, s, topics)
        .then(() => this.options.onReady())
        .catch((error: unknown) => this.options.log(`mqtt: ${(error as Error).message}`));
    });
    const down = (state: MqttState, why: string | null) => {
      if (this.client !== client) return;
      this.connected = false;
      this.stateValue = state;
      if (why !== null) this.message = why;
    };
    client.on('close', () => down('offline', this.message ?? 'the broker closed the connection'));
    client.on('offline', () => down('offline', null));
    client.on('error', (error) => down('error', error.message));
    client.on('message', (topic, payload) => {
      if (topic !== topics.doorCommand) return;
      void this.command(payload).catch((error: unknown) =>
        this.options.log(`mqtt: door command failed: ${(error as Error).message}`),
      );
    });
  }

  /** Publishes one event at QoS 1 and the retained state it changes; resolves on the PUBACKs. */
  async send(event: IntegrationEvent): Promise<SendResult> {
    const client = this.client;
    if (!client || !this.connected) return { ok: false, status: null, error: 'not connected to the broker' };
    const topics = mqttTopics(this.options.settings(), this.options.device());
    const publish = (topic: string, payload: unknown, retain = false) =>
      client.publishAsync(topic, typeof payload === 'string' ? payload : JSON.stringify(payload), {
        qos: 1,
        retain,
      });
    const work: Promise<unknown>[] = [publish(topics.events, event)];
    if (event.door) work.push(publish(topics.doorState, lockState[event.door.state], true));
    if (event.person && event.attendance && event.kind !== 'alarm') {
      work.push(
        publish(
          topics.lastPerson,
          { name: event.person.name, id: event.person.id, kind: event.kind, at: event.at },
          true,
        ),
      );
    }
    if (event.alarm) {
      work.push(
        publish(topics.alarm, { event_type: event.alarm.kind, detail: event.alarm.detail, at: event.at }),
      );
    }
    const timeout = this.options.ackTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.all(work),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no PUBACK within ${timeout / 1000} s`)), timeout);
        }),
      ]);
      return { ok: true, status: null };
    } catch (error) {
      return { ok: false, status: null, error: (error as Error).message };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Says "offline" (retained) and disconnects cleanly; the will covers a crash. */
  async disconnect(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.connected = false;
    if (!client) return;
    const s = this.options.settings();
    if (client.connected) {
      const topics = mqttTopics(s, this.options.device());
      await Promise.race([
        client.publishAsync(topics.availability, 'offline', { qos: 1, retain: true }),
        new Promise((resolve) => setTimeout(resolve, 1000).unref()),
      ]).catch(() => {});
    }
    await client.endAsync(!client.connected).catch(() => {});
  }

  private async announce(
    client: MqttClient,
    s: IntegrationSettings,
    topics: ReturnType<typeof mqttTopics>,
  ): Promise<void> {
    const retained = { qos: 1 as const, retain: true };
    const device = {
      identifiers: [topics.nodeId],
      name: `FaceGate ${this.options.device()}`,
      manufacturer: 'FaceGate',
      model: 'FaceGate front desk',
      sw_version: this.options.version,
    };
    const availability = { availability_topic: topics.availability };
    const work: Promise<unknown>[] = [];
    if (s.mqttDiscovery) {
      work.push(
        client.publishAsync(
          topics.discoveryLock,
          JSON.stringify({
            name: 'Door',
            unique_id: `${topics.nodeId}_door`,
            state_topic: topics.doorState,
            command_topic: topics.doorCommand,
            // The secret travels as the unlock payload only when the command is enabled; a
            // FaceGate without the command ignores everything on the command topic.
            payload_unlock: s.mqttCommandEnabled && s.mqttCommandSecret ? s.mqttCommandSecret : 'UNLOCK',
            payload_lock: 'LOCK',
            optimistic: false,
            device,
            ...availability,
          }),
          retained,
        ),
        client.publishAsync(
          topics.discoveryLastPerson,
          JSON.stringify({
            name: 'Last person',
            unique_id: `${topics.nodeId}_last_person`,
            state_topic: topics.lastPerson,
            value_template: '{{ value_json.name }}',
            json_attributes_topic: topics.lastPerson,
            icon: 'mdi:account-check',
            device,
            ...availability,
          }),
          retained,
        ),
        client.publishAsync(
          topics.discoveryAlarm,
          JSON.stringify({
            name: 'Alarm',
            unique_id: `${topics.nodeId}_alarm`,
            state_topic: topics.alarm,
            event_types: [...alarmKinds],
            device,
            ...availability,
          }),
          retained,
        ),
      );
    }
    const door = this.options.doorState();
    if (door) work.push(client.publishAsync(topics.doorState, lockState[door.state], retained));
    if (s.mqttCommandEnabled && s.mqttCommandSecret) {
      work.push(client.subscribeAsync(topics.doorCommand, { qos: 1 }));
    }
    await Promise.all(work);
    // Online last: a subscriber that sees "online" finds the entities already described.
    await client.publishAsync(topics.availability, 'online', retained);
  }

  private async command(payload: Buffer): Promise<void> {
    const s = this.options.settings();
    if (!s.mqttCommandEnabled || !s.mqttCommandSecret) return;
    const expected = Buffer.from(s.mqttCommandSecret);
    if (payload.length !== expected.length || !timingSafeEqual(payload, expected)) {
      this.options.log('mqtt: door command refused: wrong secret');
      return;
    }
    await this.options.openDoor();
  }
}
