import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  callNames,
  contract,
  describeIssues,
  eventNames,
  events,
  frameSchema,
  isAdminCall,
  isKioskCall,
  isCallName,
  splitCallName,
  type CallResult,
  type FaceGateApi,
} from '../../../src/shared';

const kioskCalls = [
  'frames.submit',
  // A PIN or badge at the kiosk (issue 15): a paired kiosk, never an admin session.
  'credentials.present',
  'kiosk.config',
  'attendance.choose',
  'status.get',
  'status.reportCamera',
  'admin.state',
  'admin.setupPin',
  'admin.login',
  'admin.logout',
  'pairing.state',
  'pairing.redeem',
  'pairing.resume',
];

describe('contract', () => {
  it('names every call group.method with identifier-safe parts', () => {
    for (const name of callNames) {
      const [group, method] = splitCallName(name);
      expect(group, name).toMatch(/^[a-z][A-Za-z]*$/);
      expect(method, name).toMatch(/^[a-z][A-Za-z]*$/);
      expect(group).not.toBe('on');
    }
  });

  it('covers every area the issue lists', () => {
    const groups = new Set(callNames.map((n) => splitCallName(n)[0]));
    for (const g of [
      'frames',
      'people',
      'enrol',
      'events',
      'reports',
      'settings',
      'door',
      'models',
      'admin',
      'status',
    ]) {
      expect(groups, g).toContain(g);
    }
  });

  it('needs no PIN exactly for the kiosk and session calls', () => {
    const open = callNames.filter((n) => !isAdminCall(n)).sort();
    expect(open).toEqual([...kioskCalls].sort());
  });

  it('needs a paired kiosk for everything that feeds the door (issue 13)', () => {
    expect(callNames.filter((n) => isKioskCall(n)).sort()).toEqual(
      ['attendance.choose', 'credentials.present', 'frames.submit', 'status.reportCamera'].sort(),
    );
  });

  it('knows its own names and nothing else', () => {
    expect(isCallName('people.list')).toBe(true);
    expect(isCallName('toString')).toBe(false);
    expect(isCallName('__proto__')).toBe(false);
    expect(isCallName(42)).toBe(false);
  });

  it('gives every call and event a summary', () => {
    for (const name of callNames) expect(contract[name].summary.length, name).toBeGreaterThan(10);
    for (const name of eventNames) expect(events[name].summary.length, name).toBeGreaterThan(10);
  });

  it('applies defaults to calls whose input may be left out', () => {
    expect(contract['people.list'].input.parse(undefined)).toEqual({ limit: 500, offset: 0 });
    expect(contract['status.get'].input.parse(undefined)).toEqual({});
    expect(contract['door.test'].input.parse({})).toEqual({ pulseMs: 500 });
  });

  it('rejects unknown keys in inputs, so a misspelt field is not silently ignored', () => {
    const result = contract['people.create'].input.safeParse({ name: 'Ada', emplyeeCode: 'x' });
    expect(result.success).toBe(false);
    if (!result.success) expect(describeIssues('people.create', result.error)).toMatch(/people\.create/);
  });

  it('trims names and refuses blank ones', () => {
    expect(contract['people.create'].input.parse({ name: '  Ada  ' }).name).toBe('Ada');
    expect(contract['people.create'].input.safeParse({ name: '   ' }).success).toBe(false);
  });

  it('accepts PINs of 6 to 12 digits only when setting one', () => {
    const setup = contract['admin.setupPin'].input;
    expect(setup.safeParse({ pin: '123456' }).success).toBe(true);
    expect(setup.safeParse({ pin: '1234' }).success).toBe(false);
    expect(contract['admin.changePin'].input.safeParse({ currentPin: '1234', newPin: '12345' }).success).toBe(
      false,
    );
    expect(setup.safeParse({ pin: '12a4' }).success).toBe(false);
    expect(setup.safeParse({ pin: '1234567890123' }).success).toBe(false);
  });
});

describe('frames', () => {
  const rgba = (w: number, h: number) => new Uint8Array(w * h * 4);

  it('accepts RGBA bytes of the stated size', () => {
    const frame = frameSchema.parse({ width: 32, height: 16, data: rgba(32, 16), timestamp: 5 });
    expect(frame.data).toBeInstanceOf(Uint8Array);
    expect(frame.data.byteLength).toBe(32 * 16 * 4);
  });

  it('takes canvas ImageData bytes (Uint8ClampedArray) and Buffers without copying', () => {
    const clamped = new Uint8ClampedArray(32 * 16 * 4);
    const frame = frameSchema.parse({ width: 32, height: 16, data: clamped, timestamp: 0 });
    expect(frame.data).toBeInstanceOf(Uint8Array);
    expect(frame.data.buffer).toBe(clamped.buffer);
    const buffer = Buffer.alloc(32 * 16 * 4);
    expect(frameSchema.parse({ width: 32, height: 16, data: buffer, timestamp: 0 }).data.buffer).toBe(
      buffer.buffer,
    );
  });

  it('refuses a length that does not match, numbers instead of bytes, and absurd sizes', () => {
    expect(frameSchema.safeParse({ width: 32, height: 16, data: rgba(32, 15), timestamp: 0 }).success).toBe(
      false,
    );
    expect(frameSchema.safeParse({ width: 32, height: 16, data: [1, 2, 3], timestamp: 0 }).success).toBe(
      false,
    );
    expect(
      frameSchema.safeParse({ width: 32, height: 16, data: new Float32Array(512 * 4), timestamp: 0 }).success,
    ).toBe(false);
    expect(frameSchema.safeParse({ width: 5000, height: 16, data: rgba(1, 1), timestamp: 0 }).success).toBe(
      false,
    );
    expect(frameSchema.safeParse({ width: 32.5, height: 16, data: rgba(1, 1), timestamp: 0 }).success).toBe(
      false,
    );
  });
});

describe('FaceGateApi type', () => {
  it('is derived from the contract names', () => {
    expectTypeOf<FaceGateApi['people']['list']>().returns.resolves.toEqualTypeOf<CallResult<'people.list'>>();
    expectTypeOf<FaceGateApi['status']['get']>().toBeCallableWith();
    expectTypeOf<FaceGateApi['people']['list']>().toBeCallableWith();
    expectTypeOf<FaceGateApi['people']['list']>().toBeCallableWith({ search: 'ada' });
    expectTypeOf<Parameters<FaceGateApi['people']['get']>[0]>().toEqualTypeOf<{ id: number }>();
    expectTypeOf<FaceGateApi['on']>().toBeFunction();
  });
});
