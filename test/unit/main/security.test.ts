import { describe, expect, it } from 'vitest';
import {
  allowNavigation,
  allowPermissionCheck,
  allowPermissionRequest,
  appContentSecurityPolicy,
  appOrigins,
  isTrustedSender,
  originOf,
} from '../../../src/main/security';

const origins = appOrigins();
const devOrigins = appOrigins('http://localhost:5173/');

describe('app origin', () => {
  it('reads the origin of the custom scheme, which WHATWG URL calls opaque', () => {
    expect(originOf('app://facegate/index.html?x#y')).toBe('app://facegate');
    expect(originOf('http://localhost:5173/admin')).toBe('http://localhost:5173');
    expect(originOf('not a url')).toBeUndefined();
    expect(originOf('data:text/html,hi')).toBeUndefined();
  });
});

describe('permissions', () => {
  const camera = {
    permission: 'media',
    url: 'app://facegate/index.html',
    isMainFrame: true,
    mediaTypes: ['video'],
  };

  it('grants the camera to the app’s own main frame', () => {
    expect(allowPermissionRequest(camera, origins)).toBe(true);
  });

  it('refuses the microphone, even together with the camera', () => {
    expect(allowPermissionRequest({ ...camera, mediaTypes: ['audio'] }, origins)).toBe(false);
    expect(allowPermissionRequest({ ...camera, mediaTypes: ['video', 'audio'] }, origins)).toBe(false);
    expect(allowPermissionRequest({ ...camera, mediaTypes: [] }, origins)).toBe(false);
  });

  it('refuses other origins, subframes and every other permission', () => {
    expect(allowPermissionRequest({ ...camera, url: 'https://evil.example/' }, origins)).toBe(false);
    expect(allowPermissionRequest({ ...camera, url: 'app://other/index.html' }, origins)).toBe(false);
    expect(allowPermissionRequest({ ...camera, isMainFrame: false }, origins)).toBe(false);
    for (const permission of [
      'display-capture',
      'notifications',
      'geolocation',
      'serial',
      'hid',
      'usb',
      'fullscreen',
      'clipboard-read',
      'openExternal',
    ]) {
      expect(allowPermissionRequest({ ...camera, permission }, origins), permission).toBe(false);
    }
  });

  it('answers checks for video (or unspecified media) from the app only', () => {
    const check = { permission: 'media', url: 'app://facegate', isMainFrame: true };
    expect(allowPermissionCheck({ ...check, mediaType: 'video' }, origins)).toBe(true);
    expect(allowPermissionCheck({ ...check, mediaType: 'unknown' }, origins)).toBe(true);
    expect(allowPermissionCheck({ ...check, mediaType: 'audio' }, origins)).toBe(false);
    expect(allowPermissionCheck({ ...check, url: 'http://localhost:5173' }, origins)).toBe(false);
    expect(allowPermissionCheck({ ...check, url: 'http://localhost:5173' }, devOrigins)).toBe(true);
    expect(allowPermissionCheck({ ...check, permission: 'notifications' }, origins)).toBe(false);
  });
});

describe('IPC senders and navigation', () => {
  it('trusts only the app’s main frame', () => {
    expect(isTrustedSender({ url: 'app://facegate/index.html', isMainFrame: true }, origins)).toBe(true);
    expect(isTrustedSender({ url: 'app://facegate/index.html', isMainFrame: false }, origins)).toBe(false);
    expect(isTrustedSender({ url: 'https://evil.example/', isMainFrame: true }, origins)).toBe(false);
    expect(isTrustedSender({ url: 'http://localhost:5173/', isMainFrame: true }, origins)).toBe(false);
    expect(isTrustedSender(null, origins)).toBe(false);
  });

  it('keeps navigation inside the app', () => {
    expect(allowNavigation('app://facegate/admin', origins)).toBe(true);
    expect(allowNavigation('https://example.com/', origins)).toBe(false);
    expect(allowNavigation('file:///etc/passwd', origins)).toBe(false);
    expect(allowNavigation('javascript:alert(1)', origins)).toBe(false);
  });
});

describe('content security policy', () => {
  it('allows scripts from the app only: no inline, no eval, no remote', () => {
    const csp = appContentSecurityPolicy();
    const script = csp.split('; ').find((d) => d.startsWith('script-src'))!;
    expect(script).toBe("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain('mediastream:');
  });

  it('lets the dev server in only in development', () => {
    const csp = appContentSecurityPolicy('http://localhost:5173');
    expect(csp).toContain("script-src 'self' http://localhost:5173");
    expect(csp).toContain('ws://localhost:5173');
  });
});
