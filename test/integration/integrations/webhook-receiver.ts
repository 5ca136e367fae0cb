import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IntegrationEvent } from '../../../src/shared/integrations';

/**
 * A webhook receiver as a customer would write it: checks X-FaceGate-Signature against its own
 * HMAC of `<timestamp>.<raw body>` (written here independently of FaceGate's code), records every
 * request, answers with `status()` after `delayMs`.
 */
export class WebhookReceiver {
  readonly requests: { headers: IncomingHttpHeaders; body: string }[] = [];
  readonly bodies: IntegrationEvent[] = [];
  badSignatures = 0;
  delayMs = 0;
  status: () => number = () => 204;
  private waiters = new Set<() => void>();

  private constructor(
    private readonly server: Server,
    public secret: string,
  ) {}

  static async start(port = 0, secret = ''): Promise<WebhookReceiver> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const timestamp = String(req.headers['x-facegate-timestamp']);
        const expected = `sha256=${createHmac('sha256', receiver.secret).update(`${timestamp}.${body}`).digest('hex')}`;
        const given = String(req.headers['x-facegate-signature']);
        const ok =
          given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
        const answer = () => {
          if (!ok) {
            receiver.badSignatures++;
            res.writeHead(401).end();
            return;
          }
          const status = receiver.status();
          if (status >= 200 && status < 300) {
            receiver.requests.push({ headers: req.headers, body });
            receiver.bodies.push(JSON.parse(body) as IntegrationEvent);
          }
          res.writeHead(status).end();
          for (const wake of [...receiver.waiters]) wake();
        };
        if (receiver.delayMs > 0) setTimeout(answer, receiver.delayMs);
        else answer();
      });
    });
    const receiver = new WebhookReceiver(server, secret);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  /** Resolves once `count` requests were accepted. */
  waitFor(count: number, timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.bodies.length >= count) {
          this.waiters.delete(check);
          clearTimeout(timer);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`the receiver got ${this.bodies.length} of ${count} events`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
