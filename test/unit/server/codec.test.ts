import { describe, expect, it } from 'vitest';
import { CodecError, decodeMessage, encodeMessage } from '../../../src/server/codec';

describe('WebSocket codec', () => {
  it('sends messages without bytes as JSON text', () => {
    const encoded = encodeMessage({ t: 'call', id: 1, name: 'status.get', input: {} });
    expect(typeof encoded).toBe('string');
    expect(decodeMessage(encoded)).toEqual({ t: 'call', id: 1, name: 'status.get', input: {} });
  });

  it('sends camera frames as binary, bytes intact and not inflated to JSON', () => {
    const data = new Uint8Array(640 * 480 * 4);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
    const encoded = encodeMessage({
      t: 'call',
      id: 7,
      name: 'frames.submit',
      input: { width: 640, height: 480, data, timestamp: 12.5 },
    });
    expect(encoded).toBeInstanceOf(Uint8Array);
    expect((encoded as Uint8Array).byteLength).toBeLessThan(data.byteLength + 200);
    const decoded = decodeMessage(encoded) as {
      input: { data: Uint8Array; width: number; timestamp: number };
    };
    expect(decoded.input.width).toBe(640);
    expect(decoded.input.timestamp).toBe(12.5);
    expect(decoded.input.data).toBeInstanceOf(Uint8Array);
    expect(Buffer.compare(decoded.input.data, data)).toBe(0);
  });

  it('carries several blobs, at any depth, and views into larger buffers', () => {
    const big = new Uint8Array([9, 9, 1, 2, 3, 9]);
    const view = big.subarray(2, 5);
    const clamped = new Uint8ClampedArray([250, 251]);
    const encoded = encodeMessage({
      t: 'result',
      id: 3,
      ok: true,
      value: { a: view, list: [{ b: clamped }], empty: new Uint8Array(0) },
    });
    const decoded = decodeMessage(encoded) as {
      value: { a: Uint8Array; list: { b: Uint8Array }[]; empty: Uint8Array };
    };
    expect([...decoded.value.a]).toEqual([1, 2, 3]);
    expect([...decoded.value.list[0].b]).toEqual([250, 251]);
    expect(decoded.value.empty.byteLength).toBe(0);
  });

  it('refuses truncated or inconsistent binary messages with a CodecError', () => {
    const good = encodeMessage({
      t: 'call',
      id: 1,
      name: 'x',
      input: { d: new Uint8Array([1, 2, 3]) },
    }) as Uint8Array;
    expect(() => decodeMessage(good.subarray(0, good.byteLength - 1))).toThrow(CodecError);
    expect(() => decodeMessage(new Uint8Array([1, 0]))).toThrow(CodecError);
    const lying = new Uint8Array(good);
    new DataView(lying.buffer).setUint32(0, 1_000_000, true);
    expect(() => decodeMessage(lying)).toThrow(CodecError);
    const header = new TextEncoder().encode('{"x":{"$bin":4}}');
    const missing = new Uint8Array(4 + header.length);
    new DataView(missing.buffer).setUint32(0, header.length, true);
    missing.set(header, 4);
    expect(() => decodeMessage(missing)).toThrow(CodecError);
  });
});
