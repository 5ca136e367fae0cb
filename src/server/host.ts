import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { contentSecurityPolicy } from '../core/service/csp';
import type { FaceGateService } from '../core/service/types';
import { maxPhotoBytes } from '../shared/contract';
import { socketPath } from './codec';
import { defaultConnectionLimits, serveConnection, type ConnectionLimits } from './connection';
import { isAllowedHost, isAllowedOrigin, ownOrigins } from './origin';
import { handleRestRequest } from './rest';
import { firstExisting, injectClient, mimeType, resolveStaticFile } from '../core/service/static-files';

export interface HeadlessHostOptions {
  service: FaceGateService;
  /** Default 127.0.0.1: only this machine. Anything else is a deliberate choice (see docs/app.md). */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** The built renderer (electron-vite's out/renderer). */
  rendererDir?: string;
  /** The bundled browser client (dist/facegate-client.js). */
  clientScript?: string;
  /** Further origins allowed to open the WebSocket (e.g. a kiosk browser on another machine). */
  allowOrigins?: string[];
  /** Shown in the OpenAPI document. */
  version?: string;
  /** Open WebSocket connections at most (default 16); more are refused with 503. */
  maxConnections?: number;
  /** Per-connection memory bounds (default: defaultConnectionLimits). */
  connectionLimits?: Partial<ConnectionLimits>;
  log?: (line: string) => void;
}

export interface HeadlessHost {
  readonly url: string;
  readonly port: number;
  readonly origins: ReadonlySet<string>;
  close(): Promise<void>;
}

const clientUrl = '/facegate-client.js';
const here = path.dirname(fileURLToPath(import.meta.url));

/** Where the renderer build and the client bundle are, from sources (src/server) or the bundle (dist/). */
function defaultPaths() {
  const roots = [path.resolve(here, '..'), path.resolve(here, '../..')];
  return {
    rendererDir: firstExisting(roots.map((r) => path.join(r, 'out', 'renderer'))),
    clientScript: firstExisting([
      path.join(here, 'facegate-client.js'),
      ...roots.map((r) => path.join(r, 'dist', 'facegate-client.js')),
    ]),
  };
}

/**
 * `facegate serve`: the built UI over HTTP and the contract over a WebSocket, for kiosk browsers
 * on a machine without a display and for the browser tests. Binds to 127.0.0.1 by default and
 * refuses WebSocket upgrades from any origin but its own.
 */
export async function startHeadlessHost(options: HeadlessHostOptions): Promise<HeadlessHost> {
  const defaults = defaultPaths();
  const rendererDir = options.rendererDir ?? defaults.rendererDir;
  const clientScript = options.clientScript ?? defaults.clientScript;
  const bindHost = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => {});
  let origins = new Set<string>();
  const maxConnections = options.maxConnections ?? 16;
  const limits: ConnectionLimits = { ...defaultConnectionLimits, ...options.connectionLimits };

  const wss = new WebSocketServer({ noServer: true, maxPayload: maxPhotoBytes + 1024 * 1024 });
  const server: Server = createServer((req, res) => {
    void handleHttp(req, res).catch((error: unknown) => {
      log(`http: ${(error as Error).message}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });

  const handleHttp = async (req: IncomingMessage, res: ServerResponse) => {
    const security = {
      'Content-Security-Policy': contentSecurityPolicy({
        // IPv6 literals are not valid CSP host-sources (Chromium drops them with a warning); pages
        // opened on [::1] still reach their own socket through 'self'.
        connect: [...origins].filter((o) => !o.includes('[')).map((o) => o.replace(/^http/, 'ws')),
      }),
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Permissions-Policy': 'camera=(self), microphone=(), geolocation=()',
    };
    if (!isAllowedHost(req.headers.host, origins)) {
      res.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Unknown host name.\n');
      return;
    }
    // The REST API (/api/...): API keys instead of the PIN, same host and origin rules.
    const restContext = {
      service: options.service,
      origins: () => origins,
      version: options.version ?? '0.1.0',
      log,
    };
    if (await handleRestRequest(req, res, restContext)) return;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const urlPath = new URL(req.url ?? '/', 'http://host').pathname;
    if (urlPath === clientUrl) {
      if (!clientScript) return notBuilt(res, 'the browser client (dist/facegate-client.js)');
      const body = await readFile(clientScript);
      res.writeHead(200, {
        ...security,
        'Content-Type': mimeType(clientScript),
        'Cache-Control': 'no-cache',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (!rendererDir) return notBuilt(res, 'the renderer (out/renderer)');
    const file = await resolveStaticFile(rendererDir, urlPath);
    if (!file) {
      res.writeHead(404, { ...security, 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found.\n');
      return;
    }
    const isIndex = path.basename(file) === 'index.html';
    const body = isIndex ? await injectClient(file, clientUrl) : await readFile(file);
    res.writeHead(200, {
      ...security,
      'Content-Type': mimeType(file),
      'Cache-Control': isIndex ? 'no-cache' : 'public, max-age=3600',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (status: number, why: string) => {
      log(
        `websocket refused (${why}): origin ${req.headers.origin ?? 'none'} from ${req.socket.remoteAddress}`,
      );
      socket.end(`HTTP/1.1 ${status} ${why}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const urlPath = new URL(req.url ?? '/', 'http://host').pathname;
    if (urlPath !== socketPath) return refuse(404, 'Not Found');
    if (!isAllowedHost(req.headers.host, origins)) return refuse(421, 'Misdirected Request');
    if (!isAllowedOrigin(req.headers.origin, origins)) return refuse(403, 'Forbidden');
    // Each connection may hold a message up to maxPayload and maxBufferedBytes unread: the
    // number of connections bounds the host's memory (docs/app.md, "Threat model").
    if (wss.clients.size >= maxConnections) return refuse(503, 'Service Unavailable');
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const peer = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
      serveConnection(ws, options.service, `ws:${peer}`, log, limits);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, bindHost, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  origins = ownOrigins(bindHost, port, options.allowOrigins);
  const shownHost = bindHost === '0.0.0.0' || bindHost === '::' ? '127.0.0.1' : bindHost;
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}/`;

  return {
    url,
    port,
    get origins() {
      return origins;
    },
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function notBuilt(res: ServerResponse, what: string): void {
  res
    .writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' })
    .end(
      `FaceGate is running, but ${what} is not built. Run \`npm run build\` in the repository, then reload.\n`,
    );
}
