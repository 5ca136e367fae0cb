import { describe, expect, it } from 'vitest';
import { withCrc } from '../../../src/core/door/crc16';
import { findStatus } from '../../../src/core/door/drivers/kmtronic';
import { findResponse, writeCoilFrame } from '../../../src/core/door/drivers/modbus';
import { findRelayState } from '../../../src/core/door/drivers/numato';
import { RelayError } from '../../../src/core/door/relay-error';

const echo = writeCoilFrame(1, 0, true);
const find = (bytes: Buffer) => findResponse(bytes, 1, 0x05, 8, 'test board');

describe('Modbus reply reader', () => {
  it('finds the echo after noise', () => {
    const noisy = Buffer.concat([Buffer.from([0x00, 0xff, 0x01, 0x13, 0x01]), echo]);
    expect(find(noisy)).toEqual(echo);
  });

  it('waits while the echo is incomplete', () => {
    expect(find(echo.subarray(0, 5))).toBeUndefined();
    expect(find(Buffer.alloc(0))).toBeUndefined();
  });

  it('skips a frame whose CRC is wrong', () => {
    const damaged = Buffer.from(echo);
    damaged[7] ^= 0xff;
    expect(find(damaged)).toBeUndefined();
    expect(find(Buffer.concat([damaged, echo]))).toEqual(echo);
  });

  it('ignores replies from another slave', () => {
    expect(find(writeCoilFrame(2, 0, true))).toBeUndefined();
  });

  it('throws a modbus-exception RelayError naming the exception', () => {
    const exception = withCrc(Uint8Array.from([0x01, 0x85, 0x02]));
    let caught: unknown;
    try {
      find(Buffer.concat([Buffer.from([0x42]), exception]));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RelayError);
    expect((caught as RelayError).reason).toBe('modbus-exception');
    expect((caught as RelayError).message).toMatch(/exception 2 \(illegal data address/);
  });
});

describe('Numato read-back reader', () => {
  it('reads the state after the echoed command and before the prompt', () => {
    expect(findRelayState(Buffer.from('relay read 0\n\ron\n\r>'))).toBe(true);
    expect(findRelayState(Buffer.from('relay read 0\n\roff\n\r>'))).toBe(false);
  });

  it('does not mistake the echo of "relay on" for a state, nor a half-received word', () => {
    expect(findRelayState(Buffer.from('relay on 0\n\r>'))).toBeUndefined();
    expect(findRelayState(Buffer.from('relay read 0\n\rof'))).toBeUndefined();
  });

  it('survives noise', () => {
    expect(findRelayState(Buffer.from('\x00\xff\x13garbage\r\noff\n\r>', 'latin1'))).toBe(false);
  });
});

describe('KMTronic status reader', () => {
  it('finds FF <ch> <state> for its channel, skipping noise and other channels', () => {
    expect(findStatus(Buffer.from([0x13, 0xff, 0x02, 0x01, 0xff, 0x01, 0x01]), 1)).toBe(true);
    expect(findStatus(Buffer.from([0xff, 0x01, 0x00]), 1)).toBe(false);
    expect(findStatus(Buffer.from([0xff, 0x01]), 1)).toBeUndefined();
  });
});
