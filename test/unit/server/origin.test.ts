import { describe, expect, it } from 'vitest';
import { isAllowedHost, isAllowedOrigin, ownOrigins } from '../../../src/server/origin';

describe('WebSocket origin check', () => {
  const origins = ownOrigins('127.0.0.1', 4321);

  it('accepts the host’s own origin as a local browser writes it', () => {
    expect(isAllowedOrigin('http://127.0.0.1:4321', origins)).toBe(true);
    expect(isAllowedOrigin('http://localhost:4321', origins)).toBe(true);
    expect(isAllowedOrigin('http://[::1]:4321', origins)).toBe(true);
    expect(isAllowedOrigin('http://LOCALHOST:4321', origins)).toBe(true);
  });

  it('refuses other sites, other ports, other schemes, opaque and missing origins', () => {
    expect(isAllowedOrigin('http://evil.example', origins)).toBe(false);
    expect(isAllowedOrigin('http://127.0.0.1:4322', origins)).toBe(false);
    expect(isAllowedOrigin('https://127.0.0.1:4321', origins)).toBe(false);
    expect(isAllowedOrigin('http://127.0.0.1.evil.example:4321', origins)).toBe(false);
    expect(isAllowedOrigin('null', origins)).toBe(false);
    expect(isAllowedOrigin('file://', origins)).toBe(false);
    expect(isAllowedOrigin(undefined, origins)).toBe(false);
    expect(isAllowedOrigin('', origins)).toBe(false);
  });

  it('adds origins named explicitly (a kiosk browser elsewhere)', () => {
    const extra = ownOrigins('127.0.0.1', 80, ['http://kiosk.lan:8080/']);
    expect(isAllowedOrigin('http://kiosk.lan:8080', extra)).toBe(true);
    expect(isAllowedOrigin('http://127.0.0.1', extra)).toBe(true); // port 80 is implicit
  });

  it('checks the Host header against the same names (DNS rebinding)', () => {
    expect(isAllowedHost('127.0.0.1:4321', origins)).toBe(true);
    expect(isAllowedHost('localhost:4321', origins)).toBe(true);
    expect(isAllowedHost('evil.example:4321', origins)).toBe(false);
    expect(isAllowedHost(undefined, origins)).toBe(false);
  });
});
