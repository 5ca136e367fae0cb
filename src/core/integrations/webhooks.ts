import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IntegrationEvent } from '../../shared/integrations';
import type { OutboxTarget, SendResult } from './outbox';
import type { EndpointRecord } from './store';

export const signatureHeader = 'X-FaceGate-Signature';
export const timestampHeader = 'X-FaceGate-Timestamp';

/** `sha256=<hex>` of HMAC-SHA256(secret, `<timestamp>.<body>`): the timestamp is signed too. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * What a receiver does (docs/integrations.md shows the same in a few lines): recompute the
 * signature over the timestamp header and the raw body, compare in constant time, and refuse
 * a timestamp more than `toleranceSeconds` away from its own clock (a replayed request).
 */
export function verifyWebhook(
  secret: string,
  headers: { signature: string | undefined; timestamp: string | undefined },
  body: string,
  nowSeconds = Math.floor(Date.now() / 1000),
  toleranceSeconds = 300,
): boolean {
  const timestamp = Number(headers.timestamp);
  if (!headers.signature || !Number.isInteger(timestamp)) return false;
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const actual = Buffer.from(headers.signature);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** One endpoint as an outbox target: a signed POST, 2xx is delivered, anything else is retried. */
export class WebhookTarget implements OutboxTarget {
  constructor(
    private readonly endpoint: () => EndpointRecord | undefined,
    private readonly config: () => {
      enabled: boolean;
      concurrency: number;
      timeoutSeconds: number;
      version: string;
    },
    private readonly now: () => number,
  ) {}

  ready(): boolean {
    return this.config().enabled && this.endpoint()?.enabled === true;
  }

  concurrency(): number {
    return this.config().concurrency;
  }

  async send(event: IntegrationEvent): Promise<SendResult> {
    const endpoint = this.endpoint();
    if (!endpoint) return { ok: false, status: null, error: 'the endpoint was removed', retry: false };
    const body = JSON.stringify(event);
    const timestamp = Math.floor(this.now() / 1000);
    const { timeoutSeconds, version } = this.config();
    try {
      const response = await fetch(endpoint.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': `FaceGate/${version}`,
          'X-FaceGate-Event': event.kind,
          'X-FaceGate-Delivery': event.id,
          [timestampHeader]: String(timestamp),
          [signatureHeader]: signWebhook(endpoint.secret, timestamp, body),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutSeconds * 1000),
      });
      // The body is not read beyond what is needed to free the connection.
      await response.body?.cancel().catch(() => {});
      if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status };
      return {
        ok: false,
        status: response.status,
        error: `HTTP ${response.status}`,
        // 410 Gone: the receiver says this endpoint is no more; retrying cannot help.
        retry: response.status !== 410,
      };
    } catch (error) {
      const e = error as Error & { cause?: { code?: string; message?: string } };
      const why =
        e.name === 'TimeoutError'
          ? `no answer within ${timeoutSeconds} s`
          : (e.cause?.code ?? e.cause?.message ?? e.message);
      return { ok: false, status: null, error: why };
    }
  }
}
