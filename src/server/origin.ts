import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/**
 * Which origins may open the WebSocket: the host's own, as a browser on this machine writes it.
 * A page from anywhere else (a web site the kiosk browser visits, a DNS-rebinding attack) gets
 * a refused upgrade, so it can never drive the door or read the gallery.
 */
export function ownOrigins(host: string, port: number, extra: readonly string[] = []): Set<string> {
  const hosts = new Set(['127.0.0.1', 'localhost', '[::1]']);
  const bracket = (h: string) => (isIP(h) === 6 ? `[${h}]` : h);
  if (host === '0.0.0.0' || host === '::') {
    // Bound to every interface: a browser may use any of this machine's addresses.
    for (const list of Object.values(networkInterfaces())) {
      for (const address of list ?? []) if (!address.internal) hosts.add(bracket(address.address));
    }
  } else hosts.add(bracket(host));
  const origins = new Set<string>();
  for (const h of hosts) {
    const origin = `http://${h}:${port}`;
    origins.add(normaliseOrigin(origin) ?? origin);
  }
  for (const origin of extra) origins.add(normaliseOrigin(origin) ?? origin);
  return origins;
}

export function normaliseOrigin(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    if (url.origin === 'null') return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}

/** True when the Origin header names one of the allowed origins exactly. Missing: refused. */
export function isAllowedOrigin(origin: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (!origin) return false;
  const normalised = normaliseOrigin(origin);
  return normalised !== undefined && allowed.has(normalised);
}

/** True when the Host header is one the allowed origins use (defence against DNS rebinding). */
export function isAllowedHost(hostHeader: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (!hostHeader) return false;
  return allowed.has(normaliseOrigin(`http://${hostHeader}`) ?? '');
}
