import { z } from 'zod';
import type { CallSpec } from './contract';

/**
 * Events out and an API in (docs/integrations.md): the public event envelope that webhooks and
 * MQTT carry, the webhook endpoints, API keys and their scopes, and the admin calls that manage
 * them. The contract spreads `integrationCalls` into its call list, so every transport has them.
 */

// ---------------------------------------------------------------------------------------------
// The public event (webhook body, MQTT payload). Version 1: fields are only ever added.

export const integrationSchemaVersion = 'facegate.event/1';

/** What a receiver can subscribe to. `alarm` covers door faults, spoof and injection attempts. */
export const integrationEventKinds = [
  'check_in',
  'check_out',
  'denied',
  'unknown',
  'not_live',
  'manual_open',
  'door_state',
  'alarm',
] as const;
export type IntegrationEventKind = (typeof integrationEventKinds)[number];

export const alarmKinds = [
  'door_fault',
  'door_disconnected',
  'spoof_attempt',
  'injection_attempt',
  // Kiosk duress PIN and door supervision (docs/access.md, docs/door.md).
  'duress',
  'door_held_open',
  'door_forced',
] as const;
export type IntegrationAlarmKind = (typeof alarmKinds)[number];

const isoTime = z.iso.datetime({ offset: true });
const personRef = z.object({ id: z.int().positive(), name: z.string() });

export const integrationEventSchema = z.object({
  schema: z.literal(integrationSchemaVersion),
  /** Unique per event (a receiver de-duplicates retries with it). */
  id: z.uuid(),
  kind: z.enum([...integrationEventKinds, 'test']),
  at: isoTime,
  /** The desk's name (settings: attendance.deviceName). */
  device: z.string(),
  /** The person recognised, when there is one (null for unknown faces, door and alarm events). */
  person: personRef.nullable(),
  /** Present for check_in .. manual_open: the attendance event as written to the log. */
  attendance: z
    .object({
      eventId: z.int().positive(),
      similarity: z.number().nullable(),
      liveness: z.number().nullable(),
      doorOpened: z.boolean(),
      note: z.string().nullable(),
    })
    .nullable(),
  /** Present for door_state (and door alarms): the relay's new and previous state. */
  door: z
    .object({
      state: z.enum(['locked', 'unlocked', 'disconnected', 'fault']),
      previous: z.enum(['locked', 'unlocked', 'disconnected', 'fault']),
      reason: z.string(),
      unlockedUntil: isoTime.nullable(),
    })
    .nullable(),
  /** Present for alarm events. */
  alarm: z.object({ kind: z.enum(alarmKinds), detail: z.string() }).nullable(),
});
export type IntegrationEvent = z.infer<typeof integrationEventSchema>;

// ---------------------------------------------------------------------------------------------
// Webhook endpoints, deliveries, API keys

export const webhookUrlSchema = z
  .url({ protocol: /^https?$/, message: 'a webhook URL is an http:// or https:// address' })
  .max(2000);

export const webhookEndpointSchema = z.object({
  id: z.int().positive(),
  url: z.string(),
  kinds: z.array(z.enum(integrationEventKinds)),
  enabled: z.boolean(),
  description: z.string(),
  createdAt: isoTime,
  /** The secret's first characters, to tell endpoints apart; the secret itself is shown once. */
  secretHint: z.string(),
});
export type WebhookEndpoint = z.infer<typeof webhookEndpointSchema>;

export const deliveryStates = ['pending', 'delivered', 'failed'] as const;
export const deliverySchema = z.object({
  id: z.int().positive(),
  /** 'webhook:<id>' or 'mqtt'. */
  target: z.string(),
  eventId: z.string(),
  kind: z.string(),
  state: z.enum(deliveryStates),
  attempts: z.int().nonnegative(),
  createdAt: isoTime,
  nextAttemptAt: isoTime.nullable(),
  deliveredAt: isoTime.nullable(),
  /** The last attempt's HTTP status (webhooks), or null. */
  lastStatus: z.int().nullable(),
  lastError: z.string().nullable(),
});
export type Delivery = z.infer<typeof deliverySchema>;

/** What an API key may do. `status` needs only a valid key. */
export const apiScopes = ['attendance:read', 'people:manage', 'door:open'] as const;
export type ApiScope = (typeof apiScopes)[number];

export const apiKeySchema = z.object({
  id: z.int().positive(),
  name: z.string(),
  /** The key's public prefix (fgk_xxxxxxxx), to recognise it in a list; the rest is stored hashed. */
  prefix: z.string(),
  scopes: z.array(z.enum(apiScopes)),
  createdAt: isoTime,
  lastUsedAt: isoTime.nullable(),
  revokedAt: isoTime.nullable(),
});
export type ApiKey = z.infer<typeof apiKeySchema>;

export const integrationsStatusSchema = z.object({
  webhooks: z.object({ endpoints: z.int().nonnegative(), pending: z.int().nonnegative() }),
  mqtt: z.object({
    state: z.enum(['disabled', 'connecting', 'connected', 'offline', 'error']),
    message: z.string().nullable(),
    pending: z.int().nonnegative(),
  }),
});

// ---------------------------------------------------------------------------------------------
// Admin calls (all need the admin PIN session)

const noInput = z.strictObject({}).prefault({});
const id = z.int().positive();
const kinds = z.array(z.enum(integrationEventKinds)).min(1);
const description = z.string().trim().max(200);

export const integrationCalls = {
  'integrations.status': {
    summary: 'Webhook endpoints, MQTT connection and the outbox backlog.',
    admin: true,
    input: noInput,
    output: integrationsStatusSchema,
  },
  'webhooks.list': {
    summary: 'The webhook endpoints (secrets are never shown again).',
    admin: true,
    input: noInput,
    output: z.object({ endpoints: z.array(webhookEndpointSchema) }),
  },
  'webhooks.create': {
    summary: 'Add a webhook endpoint; the result holds its signing secret, shown this once.',
    admin: true,
    input: z.strictObject({
      url: webhookUrlSchema,
      kinds,
      description: description.default(''),
      enabled: z.boolean().default(true),
    }),
    output: z.object({ endpoint: webhookEndpointSchema, secret: z.string() }),
  },
  'webhooks.update': {
    summary: 'Change an endpoint’s address, event kinds or enabled flag.',
    admin: true,
    input: z.strictObject({
      id,
      url: webhookUrlSchema.optional(),
      kinds: kinds.optional(),
      description: description.optional(),
      enabled: z.boolean().optional(),
    }),
    output: webhookEndpointSchema,
  },
  'webhooks.delete': {
    summary: 'Remove an endpoint and its pending deliveries.',
    admin: true,
    input: z.strictObject({ id }),
    output: z.object({ removed: z.boolean() }),
  },
  'webhooks.test': {
    summary: 'Queue a "test" event for one endpoint (delivered like any other).',
    admin: true,
    input: z.strictObject({ id }),
    output: z.object({ eventId: z.string() }),
  },
  'webhooks.deliveries': {
    summary: 'The delivery log, newest first (webhooks and MQTT).',
    admin: true,
    input: z
      .strictObject({
        target: z.string().max(50).optional(),
        state: z.enum(deliveryStates).optional(),
        limit: z.int().min(1).max(1000).default(100),
      })
      .prefault({}),
    output: z.object({ deliveries: z.array(deliverySchema) }),
  },
  'apiKeys.list': {
    summary: 'The REST API keys (never the keys themselves).',
    admin: true,
    input: noInput,
    output: z.object({ keys: z.array(apiKeySchema) }),
  },
  'apiKeys.create': {
    summary: 'Create an API key with scopes; the result holds the key, shown this once.',
    admin: true,
    input: z.strictObject({
      name: z.string().trim().min(1).max(100),
      scopes: z.array(z.enum(apiScopes)).min(1),
    }),
    output: z.object({ key: apiKeySchema, secret: z.string() }),
  },
  'apiKeys.revoke': {
    summary: 'Revoke an API key at once.',
    admin: true,
    input: z.strictObject({ id }),
    output: z.object({ revoked: z.boolean() }),
  },
} as const satisfies Record<string, CallSpec>;

// ---------------------------------------------------------------------------------------------
// Settings (the `integrations` section of ./settings)

const topicLevel = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/, 'letters, digits, _ and - in levels separated by /');

export const integrationSettingsSchema = z.strictObject({
  /** Webhook endpoints get events (each endpoint also has its own enabled flag). */
  webhooksEnabled: z.boolean(),
  /** Requests in flight per endpoint (a slow receiver gets this many at once). */
  webhookConcurrency: z.int().min(1).max(32),
  webhookTimeoutSeconds: z.number().min(1).max(120),
  /** Attempts per event before it is marked failed (backoff doubles from 2 s up to 1 h). */
  maxAttempts: z.int().min(1).max(50),
  /** Delivered and failed entries of the delivery log are kept this long. */
  logRetentionDays: z.int().min(1).max(365),
  mqttEnabled: z.boolean(),
  /** mqtt://host:1883 or mqtts://host:8883; null until set up. */
  mqttUrl: z
    .string()
    .regex(/^mqtts?:\/\/[^\s/]+(:\d+)?\/?$/, 'an MQTT broker address looks like mqtt://host:1883')
    .nullable(),
  mqttUsername: z.string().max(200).nullable(),
  mqttPassword: z.string().max(200).nullable(),
  /** FaceGate's topics start here: <prefix>/<device>/... */
  mqttTopicPrefix: topicLevel,
  /** Publish Home Assistant MQTT discovery (retained) under mqttDiscoveryPrefix. */
  mqttDiscovery: z.boolean(),
  mqttDiscoveryPrefix: topicLevel,
  /** Open the door from MQTT (<prefix>/<device>/door/set). Off unless explicitly enabled. */
  mqttCommandEnabled: z.boolean(),
  /** The payload that opens the door; at least 16 characters. */
  mqttCommandSecret: z.string().min(16).max(200).nullable(),
  /** Serve the REST API (/api/v1) on the headless host; every call still needs an API key. */
  restEnabled: z.boolean(),
});
export type IntegrationSettings = z.infer<typeof integrationSettingsSchema>;

export const defaultIntegrationSettings: IntegrationSettings = {
  webhooksEnabled: true,
  webhookConcurrency: 4,
  webhookTimeoutSeconds: 10,
  maxAttempts: 15,
  logRetentionDays: 7,
  mqttEnabled: false,
  mqttUrl: null,
  mqttUsername: null,
  mqttPassword: null,
  mqttTopicPrefix: 'facegate',
  mqttDiscovery: true,
  mqttDiscoveryPrefix: 'homeassistant',
  mqttCommandEnabled: false,
  mqttCommandSecret: null,
  restEnabled: true,
};

/** Cross-field rules of the section, for settingsSchema's superRefine. */
export function integrationSettingsIssues(s: IntegrationSettings): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  if (s.mqttEnabled && s.mqttUrl === null) {
    issues.push({ path: 'mqttUrl', message: 'set the broker address before enabling MQTT' });
  }
  if (s.mqttCommandEnabled && s.mqttCommandSecret === null) {
    issues.push({ path: 'mqttCommandSecret', message: 'the MQTT door command needs a secret' });
  }
  return issues;
}
