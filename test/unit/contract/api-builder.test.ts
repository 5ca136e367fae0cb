import { describe, expect, it } from 'vitest';
import { callNames, createFaceGateApi, splitCallName } from '../../../src/shared/contract';

describe('createFaceGateApi', () => {
  it('has one function per call, grouped by prefix, that invokes the call by name', async () => {
    const calls: [string, unknown][] = [];
    const api = createFaceGateApi(
      async (name, input) => {
        calls.push([name, input]);
        return `result of ${name}`;
      },
      () => () => {},
    ) as unknown as Record<string, Record<string, (input?: unknown) => Promise<unknown>>>;
    for (const name of callNames) {
      const [group, method] = splitCallName(name);
      expect(typeof api[group][method], name).toBe('function');
      expect(await api[group][method]({ x: 1 })).toBe(`result of ${name}`);
    }
    expect(calls.map((c) => c[0])).toEqual(callNames);
    const groups = Object.keys(api).filter((k) => k !== 'on');
    expect(groups.sort()).toEqual([...new Set(callNames.map((n) => splitCallName(n)[0]))].sort());
  });

  it('passes events through and refuses a listener that is not a function', () => {
    const subscribed: string[] = [];
    const api = createFaceGateApi(
      async () => null,
      (event) => {
        subscribed.push(event);
        return () => subscribed.push(`off ${event}`);
      },
    );
    const off = api.on('door.state', () => {});
    off();
    expect(subscribed).toEqual(['door.state', 'off door.state']);
    expect(() => api.on('door.state', 'nope' as never)).toThrow(TypeError);
  });

  it('is made of plain objects and functions only (contextBridge copies nothing else)', () => {
    const api = createFaceGateApi(
      async () => null,
      () => () => {},
    );
    const check = (value: unknown, where: string) => {
      if (typeof value === 'function') return;
      expect(Object.getPrototypeOf(value), where).toBe(Object.prototype);
      for (const [k, v] of Object.entries(value as object)) check(v, `${where}.${k}`);
    };
    check(api, 'facegate');
  });
});
