import type { EventName, EventPayload } from '../../shared/events';
import type { IntegrationEvent, IntegrationSettings } from '../../shared/integrations';
import type { FaceGateDatabase } from '../gallery/database';
import { integrationEventsOf, testEvent } from './events';
import { MqttBridge } from './mqtt';
import { Outbox, type OutboxTarget } from './outbox';
import { IntegrationStore, mqttTarget, webhookTarget, type EndpointRecord } from './store';
import { WebhookTarget } from './webhooks';

export { IntegrationStore } from './store';
export { grantCalls, grantScopes, isGranted, scopeFor } from './grants';

export interface IntegrationsOptions {
  db: FaceGateDatabase;
  settings: () => IntegrationSettings;
  device: () => string;
  version: string;
  now: () => number;
  log: (line: string) => void;
  /** Opens the door through the service (the MQTT command). */
  openDoor: () => Promise<void>;
  /** Backoff of the outbox (tests shorten it). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  mqttAckTimeoutMs?: number;
}

/**
 * The service's outside subscribers (docs/integrations.md): each bus event that stands for a
 * public event is written to the outbox, one row per target that wants it, in a batch after the
 * current frame's work (setImmediate), so the frame path does one array push and never waits on
 * the database or the network. The outbox then delivers in the background.
 */
export class Integrations {
  readonly store: IntegrationStore;
  readonly mqtt: MqttBridge;
  private readonly outbox: Outbox;
  private readonly webhooks = new Map<number, WebhookTarget>();
  private endpoints: EndpointRecord[] = [];
  private batch: IntegrationEvent[] = [];
  private flushing: NodeJS.Immediate | undefined;
  private lastDoor: IntegrationEvent['door'] = null;
  private purgeTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: IntegrationsOptions) {
    this.store = new IntegrationStore(options.db, options.now);
    this.mqtt = new MqttBridge({
      settings: options.settings,
      device: options.device,
      version: options.version,
      openDoor: options.openDoor,
      onReady: () => this.outbox.kick(),
      doorState: () => this.lastDoor,
      log: options.log,
      ...(options.mqttAckTimeoutMs ? { ackTimeoutMs: options.mqttAckTimeoutMs } : {}),
    });
    this.outbox = new Outbox({
      store: this.store,
      target: (name) => this.target(name),
      maxAttempts: () => options.settings().maxAttempts,
      now: options.now,
      log: options.log,
      ...(options.baseDelayMs ? { baseDelayMs: options.baseDelayMs } : {}),
      ...(options.maxDelayMs ? { maxDelayMs: options.maxDelayMs } : {}),
    });
    this.reloadEndpoints();
  }

  /** Connects MQTT (when enabled), purges the old log and sends what waited from the last run. */
  async start(): Promise<void> {
    this.purge();
    this.purgeTimer = setInterval(() => this.purge(), 3_600_000);
    this.purgeTimer.unref();
    await this.apply();
  }

  /** Settings changed: reconnect MQTT if its settings did, give up MQTT rows when it is off. */
  async apply(): Promise<void> {
    const s = this.options.settings();
    if (!s.mqttEnabled) {
      const dropped = this.store.abandon(mqttTarget, 'MQTT was switched off');
      if (dropped > 0) this.options.log(`mqtt: ${dropped} undelivered events dropped (MQTT is off)`);
    }
    await this.mqtt.apply();
    this.outbox.kick();
  }

  /** The bus listener: cheap, synchronous, never throws into the emitter. */
  onEvent<E extends EventName>(name: E, payload: EventPayload<E>): void {
    if (this.closed) return;
    const out = integrationEventsOf(name, payload, this.options.device());
    if (out.length === 0) return;
    for (const event of out) if (event.kind === 'door_state') this.lastDoor = event.door;
    this.batch.push(...out);
    this.flushing ??= setImmediate(() => this.flush());
  }

  /** Writes the batch to the outbox (one transaction) and starts delivery. */
  flush(): void {
    clearImmediate(this.flushing);
    this.flushing = undefined;
    const events = this.batch;
    this.batch = [];
    if (events.length === 0) return;
    const s = this.options.settings();
    const rows: { target: string; event: IntegrationEvent }[] = [];
    for (const event of events) {
      if (s.webhooksEnabled) {
        for (const endpoint of this.endpoints) {
          if (endpoint.enabled && (endpoint.kinds as string[]).includes(event.kind)) {
            rows.push({ target: webhookTarget(endpoint.id), event });
          }
        }
      }
      if (s.mqttEnabled) rows.push({ target: mqttTarget, event });
    }
    try {
      this.store.enqueue(rows);
    } catch (error) {
      this.options.log(`outbox: could not write ${rows.length} events: ${(error as Error).message}`);
      return;
    }
    this.outbox.kick();
  }

  /** Queues a "test" event for one endpoint. */
  sendTest(endpointId: number): string {
    const event = testEvent(this.options.device(), new Date(this.options.now()).toISOString());
    this.store.enqueue([{ target: webhookTarget(endpointId), event }]);
    this.outbox.kick();
    return event.id;
  }

  /** Endpoints were created, changed or removed. */
  reloadEndpoints(): void {
    this.endpoints = this.store.endpoints();
    for (const id of this.webhooks.keys()) {
      if (!this.endpoints.some((e) => e.id === id)) this.webhooks.delete(id);
    }
    this.outbox.kick();
  }

  /** Resolves once nothing is in flight (tests and the bench). */
  settled(): Promise<void> {
    this.flush();
    return this.outbox.settled();
  }

  get inFlight(): number {
    return this.outbox.busy;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    clearInterval(this.purgeTimer);
    await this.outbox.stop();
    await this.mqtt.disconnect();
  }

  private target(name: string): OutboxTarget | undefined {
    if (name === mqttTarget) return this.mqtt;
    const match = /^webhook:(\d+)$/.exec(name);
    if (!match) return undefined;
    const id = Number(match[1]);
    let target = this.webhooks.get(id);
    if (!target) {
      target = new WebhookTarget(
        () => this.endpoints.find((e) => e.id === id),
        () => {
          const s = this.options.settings();
          return {
            enabled: s.webhooksEnabled,
            concurrency: s.webhookConcurrency,
            timeoutSeconds: s.webhookTimeoutSeconds,
            version: this.options.version,
          };
        },
        this.options.now,
      );
      this.webhooks.set(id, target);
    }
    return target;
  }

  private purge(): void {
    try {
      const removed = this.store.purge(this.options.settings().logRetentionDays * 86_400_000);
      if (removed > 0) this.options.log(`outbox: purged ${removed} old delivery log entries`);
    } catch (error) {
      this.options.log(`outbox: purge failed: ${(error as Error).message}`);
    }
  }
}
