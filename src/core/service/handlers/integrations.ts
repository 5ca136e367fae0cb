import type { AuditAction } from '../../../shared/attendance';
import { FaceGateError } from '../../errors';
import { actorOf, type Handlers, type ServiceContext } from '../context';

type IntegrationCall =
  | 'integrations.status'
  | 'webhooks.list'
  | 'webhooks.create'
  | 'webhooks.update'
  | 'webhooks.delete'
  | 'webhooks.test'
  | 'webhooks.deliveries'
  | 'apiKeys.list'
  | 'apiKeys.create'
  | 'apiKeys.revoke';

const publicEndpoint = <T extends { secret: string }>({ secret: _secret, ...endpoint }: T) => endpoint;

function audit(
  ctx: ServiceContext,
  actor: string,
  action: AuditAction,
  target: string,
  details: Record<string, unknown>,
) {
  ctx.gallery.audit.record({ at: ctx.now(), actor, action, target, details });
}

function notFound(what: string, id: number): never {
  throw new FaceGateError('NOT_FOUND', `There is no ${what} with id ${id}.`);
}

/** Webhook endpoints, the delivery log and API keys (docs/integrations.md). Secrets are returned once. */
export const integrationHandlers: Pick<Handlers, IntegrationCall> = {
  'integrations.status': (_args, _session, ctx) => {
    const { store, mqtt } = ctx.integrations;
    return {
      webhooks: { endpoints: store.endpoints().length, pending: store.pendingCount('webhook:') },
      mqtt: { ...mqtt.state, pending: store.pendingCount('mqtt') },
    };
  },
  'webhooks.list': (_args, _session, ctx) => ({
    endpoints: ctx.integrations.store.endpoints().map(publicEndpoint),
  }),
  'webhooks.create': (args, session, ctx) => {
    const created = ctx.integrations.store.createEndpoint(args);
    ctx.integrations.reloadEndpoints();
    audit(ctx, actorOf(session), 'webhook.create', `webhook:${created.id}`, {
      url: args.url,
      kinds: args.kinds,
    });
    return { endpoint: publicEndpoint(created), secret: created.secret };
  },
  'webhooks.update': ({ id, ...fields }, session, ctx) => {
    const updated = ctx.integrations.store.updateEndpoint(id, fields);
    if (!updated) notFound('webhook endpoint', id);
    ctx.integrations.reloadEndpoints();
    audit(ctx, actorOf(session), 'webhook.update', `webhook:${id}`, fields);
    return publicEndpoint(updated);
  },
  'webhooks.delete': ({ id }, session, ctx) => {
    const removed = ctx.integrations.store.deleteEndpoint(id);
    ctx.integrations.reloadEndpoints();
    if (removed) audit(ctx, actorOf(session), 'webhook.delete', `webhook:${id}`, {});
    return { removed };
  },
  'webhooks.test': ({ id }, _session, ctx) => {
    if (!ctx.integrations.store.endpoint(id)) notFound('webhook endpoint', id);
    return { eventId: ctx.integrations.sendTest(id) };
  },
  'webhooks.deliveries': (args, _session, ctx) => ({ deliveries: ctx.integrations.store.deliveries(args) }),
  'apiKeys.list': (_args, _session, ctx) => ({ keys: ctx.integrations.store.keys() }),
  'apiKeys.create': ({ name, scopes }, session, ctx) => {
    const created = ctx.integrations.store.createKey(name, scopes);
    audit(ctx, actorOf(session), 'apikey.create', `apikey:${created.key.id}`, { name, scopes });
    return created;
  },
  'apiKeys.revoke': ({ id }, session, ctx) => {
    const revoked = ctx.integrations.store.revokeKey(id);
    if (revoked) audit(ctx, actorOf(session), 'apikey.revoke', `apikey:${id}`, {});
    return { revoked };
  },
};
