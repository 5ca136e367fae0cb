import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeadlessHost, type HeadlessHost } from '../../../src/server/host';
import { integrationEventSchema } from '../../../src/shared/integrations';
import { skipWithout } from '../../helpers/fixtures';
import { RelayBoardSimulator } from '../../helpers/relay-board';
import { createPtyPair, disposeAllPtyPairs, hasSocat, type PtyPair } from '../../helpers/socat';
import { startService, type Harness } from '../service/service-harness';
import { WebhookReceiver } from './webhook-receiver';

describe.skipIf(skipWithout('socat', hasSocat))(
  'the service bus to a webhook: a REST door open reaches the relay and the receiver (needs socat)',
  () => {
    let h: Harness;
    let host: HeadlessHost;
    let pty: PtyPair;
    let board: RelayBoardSimulator;
    let receiver: WebhookReceiver;

    beforeAll(async () => {
      h = await startService();
      pty = await createPtyPair();
      board = await RelayBoardSimulator.attach(pty.boardPath, { protocol: 'lcus' });
      await h.call('settings.set', {
        patch: {
          door: { enabled: true, pulseSeconds: 0.5, relay: { driver: 'lcus', port: pty.devicePath } },
        },
      });
      host = await startHeadlessHost({ service: h.service, port: 0, rendererDir: h.dir });
      receiver = await WebhookReceiver.start();
    });
    afterAll(async () => {
      await host?.close();
      await h?.close();
      await board?.close();
      await receiver?.close();
      await disposeAllPtyPairs();
    });

    it('door:open key opens the door; the endpoint gets manual_open and the door states, signed', async () => {
      const created = await h.call('webhooks.create', {
        url: receiver.url,
        kinds: ['manual_open', 'door_state'],
      });
      receiver.secret = created.secret;
      expect(created.endpoint).not.toHaveProperty('secret');
      expect((await h.call('webhooks.list')).endpoints[0]).not.toHaveProperty('secret');
      const { secret: key } = await h.call('apiKeys.create', { name: 'visitors', scopes: ['door:open'] });

      const response = await fetch(new URL('/api/v1/door/open', host.url), {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ seconds: 0.5 }),
      });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { opened: boolean }).opened).toBe(true);
      await board.waitForCommand((c) => c.energise, { timeoutMs: 5000 });

      // manual_open, door unlocked, door locked again after the pulse.
      await receiver.waitFor(3, 15_000);
      expect(receiver.badSignatures).toBe(0);
      for (const body of receiver.bodies) expect(integrationEventSchema.safeParse(body).success).toBe(true);
      const manual = receiver.bodies.find((b) => b.kind === 'manual_open');
      expect(manual?.attendance?.doorOpened).toBe(true);
      const audit = await h.call('audit.query', {});
      expect(
        audit.entries.some((e) => e.action === 'door.manual_open' && e.actor.includes('api key "visitors"')),
      ).toBe(true);
      const states = receiver.bodies.filter((b) => b.kind === 'door_state').map((b) => b.door?.state);
      expect(states).toEqual(expect.arrayContaining(['unlocked', 'locked']));

      // The receiver answered; FaceGate records the outcomes right after.
      await expect
        .poll(
          async () =>
            (await h.call('webhooks.deliveries', {})).deliveries.filter((d) => d.state === 'delivered')
              .length,
          {
            timeout: 5000,
          },
        )
        .toBeGreaterThanOrEqual(3);
      const status = await h.call('integrations.status');
      expect(status.webhooks.endpoints).toBe(1);
    });
  },
);
