/**
 * The Electron shell's security decisions as pure functions (no electron import), so they are
 * unit-tested under plain Node: which URLs are the app, which permission requests pass, which
 * IPC senders are trusted, which navigations are allowed.
 */
import { contentSecurityPolicy } from '../core/service/csp';

/** The renderer is served from app://facegate/ (a standard, secure custom scheme). */
export const appScheme = 'app';
export const appHost = 'facegate';
export const appOrigin = `${appScheme}://${appHost}`;
export const appEntryUrl = `${appOrigin}/index.html`;

/** The origins the app's own pages come from: app://facegate, plus the Vite dev server in development. */
export function appOrigins(devServerUrl?: string): Set<string> {
  const origins = new Set([appOrigin]);
  if (devServerUrl) {
    const origin = originOf(devServerUrl);
    if (origin) origins.add(origin);
  }
  return origins;
}

/** "app://facegate" for "app://facegate/x?y"; undefined for anything unparsable or opaque. */
export function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    // WHATWG URL gives custom schemes an opaque origin ("null"); build it from the parts instead.
    if (parsed.protocol === `${appScheme}:`) return parsed.host ? `${appScheme}://${parsed.host}` : undefined;
    return parsed.origin === 'null' ? undefined : parsed.origin;
  } catch {
    return undefined;
  }
}

export function isAppUrl(url: string | undefined, origins: ReadonlySet<string>): boolean {
  const origin = originOf(url);
  return origin !== undefined && origins.has(origin);
}

export interface PermissionQuery {
  permission: string;
  /** The requesting frame's URL or origin. */
  url: string | undefined;
  isMainFrame: boolean;
  /** For 'media' requests: what is asked for (video = camera, audio = microphone). */
  mediaTypes?: readonly string[];
  /** For 'media' checks: 'video', 'audio' or 'unknown'. */
  mediaType?: string;
}

/**
 * The camera, and nothing else: a 'media' request passes only when it asks for video alone, from
 * the app's own main frame. Microphone, screen capture, notifications, geolocation, serial, HID,
 * USB, clipboard, fullscreen requests from the page... all denied.
 */
export function allowPermissionRequest(query: PermissionQuery, origins: ReadonlySet<string>): boolean {
  if (query.permission !== 'media') return false;
  if (!query.isMainFrame || !isAppUrl(query.url, origins)) return false;
  const types = query.mediaTypes ?? [];
  return types.length > 0 && types.every((t) => t === 'video');
}

/** Permission checks (e.g. before enumerateDevices shows camera labels): video or unspecified media only. */
export function allowPermissionCheck(query: PermissionQuery, origins: ReadonlySet<string>): boolean {
  if (query.permission !== 'media') return false;
  if (!isAppUrl(query.url, origins)) return false;
  return query.mediaType === 'video' || query.mediaType === 'unknown' || query.mediaType === undefined;
}

/** IPC is answered only for the app's own main frame; an iframe or a foreign page gets nothing. */
export function isTrustedSender(
  frame: { url: string; isMainFrame: boolean } | null | undefined,
  origins: ReadonlySet<string>,
): boolean {
  return !!frame && frame.isMainFrame && isAppUrl(frame.url, origins);
}

/** In-window navigation stays inside the app; window.open and links elsewhere are refused. */
export function allowNavigation(url: string, origins: ReadonlySet<string>): boolean {
  return isAppUrl(url, origins);
}

/** The CSP for the app's pages; in development the Vite dev server needs its own origin and HMR socket. */
export function appContentSecurityPolicy(devServerUrl?: string): string {
  const dev = devServerUrl ? originOf(devServerUrl) : undefined;
  if (!dev) return contentSecurityPolicy();
  return contentSecurityPolicy({ scripts: [dev], connect: [dev, dev.replace(/^http/, 'ws')] });
}
