import { describe, expect, it } from 'vitest';
import { createRelayDriver } from '../../../src/core/door/create-driver';
import { crc16Modbus, hasValidCrc } from '../../../src/core/door/crc16';
import { parseHexBytes } from '../../../src/core/door/drivers/hex';
import { flashFrame } from '../../../src/core/door/drivers/modbus';
import { numatoRelayIndex } from '../../../src/core/door/drivers/numato';
import { relayHasBoardTimer, relaySettingsSchema, type RelaySettingsInput } from '../../../src/shared/door';

/** Relay settings minus the port (distributes over the union of drivers). */
type SettingsWithoutPort = RelaySettingsInput extends infer T
  ? T extends unknown
    ? Omit<T, 'port'>
    : never
  : never;

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const driverFor = (settings: SettingsWithoutPort) =>
  createRelayDriver(relaySettingsSchema.parse({ port: '/dev/null', ...settings } as RelaySettingsInput));

describe('relay command bytes', () => {
  it.each([
    [1, 'A0 01 01 A2', 'A0 01 00 A1'],
    [2, 'A0 02 01 A3', 'A0 02 00 A2'],
    [4, 'A0 04 01 A5', 'A0 04 00 A4'],
    [8, 'A0 08 01 A9', 'A0 08 00 A8'],
  ])('LCUS channel %i: on %s, off %s', (channel, on, off) => {
    const driver = driverFor({ driver: 'lcus', channel });
    expect(driver.frame(true)).toEqual(hex(on));
    expect(driver.frame(false)).toEqual(hex(off));
  });

  it.each([
    [1, 'FF 01 01', 'FF 01 00'],
    [2, 'FF 02 01', 'FF 02 00'],
    [8, 'FF 08 01', 'FF 08 00'],
  ])('KMTronic channel %i: on %s, off %s', (channel, on, off) => {
    const driver = driverFor({ driver: 'kmtronic', channel });
    expect(driver.frame(true)).toEqual(hex(on));
    expect(driver.frame(false)).toEqual(hex(off));
  });

  it.each([
    [0, 'relay on 0\r', 'relay off 0\r'],
    [7, 'relay on 7\r', 'relay off 7\r'],
    [10, 'relay on A\r', 'relay off A\r'],
    [15, 'relay on F\r', 'relay off F\r'],
    [31, 'relay on V\r', 'relay off V\r'],
  ])('Numato relay %i: %j / %j', (channel, on, off) => {
    const driver = driverFor({ driver: 'numato', channel });
    expect(driver.frame(true).toString('latin1')).toBe(on);
    expect(driver.frame(false).toString('latin1')).toBe(off);
  });

  it('names Numato relays 10 and up by letter, not hexadecimal', () => {
    expect(numatoRelayIndex(9)).toBe('9');
    expect(numatoRelayIndex(10)).toBe('A');
    expect(numatoRelayIndex(16)).toBe('G');
  });

  it.each([
    // Known frames: the Modbus specification's example (slave 17, coil 173) and common captures.
    [1, 0, '01 05 00 00 FF 00 8C 3A', '01 05 00 00 00 00 CD CA'],
    [1, 1, '01 05 00 01 FF 00 DD FA', '01 05 00 01 00 00 9C 0A'],
    [17, 0xac, '11 05 00 AC FF 00 4E 8B', '11 05 00 AC 00 00 0F 7B'],
  ])('Modbus slave %i coil %i: on %s, off %s', (slaveId, coil, on, off) => {
    const driver = driverFor({ driver: 'modbus', slaveId, coil });
    expect(driver.frame(true)).toEqual(hex(on));
    expect(driver.frame(false)).toEqual(hex(off));
    expect(hasValidCrc(driver.frame(false))).toBe(true);
  });

  it('sends the configured bytes for a custom board', () => {
    const driver = driverFor({ driver: 'hex', onHex: '0xA0,0x01,0x01,0xA2', offHex: 'a0:01:00:a1' });
    expect(driver.frame(true)).toEqual(hex('A00101A2'));
    expect(driver.frame(false)).toEqual(hex('A00100A1'));
  });

  it('swaps on and off under inverted polarity (active-low boards, maglock wiring)', () => {
    const lcus = driverFor({ driver: 'lcus', channel: 3, polarity: 'inverted' });
    expect(lcus.frame(false)).toEqual(hex('A0 03 01 A4'));
    expect(lcus.frame(true)).toEqual(hex('A0 03 00 A3'));
    const numato = driverFor({ driver: 'numato', channel: 2, polarity: 'inverted' });
    expect(numato.frame(false).toString('latin1')).toBe('relay on 2\r');
    const modbus = driverFor({ driver: 'modbus', polarity: 'inverted' });
    expect(modbus.frame(false)).toEqual(hex('01 05 00 00 FF 00 8C 3A'));
    const custom = driverFor({ driver: 'hex', onHex: '01', offHex: '02', polarity: 'inverted' });
    expect(custom.frame(false)).toEqual(hex('01'));
  });
});

describe('CRC-16/MODBUS', () => {
  it('gives the catalogue check value for "123456789"', () => {
    expect(crc16Modbus(Buffer.from('123456789', 'ascii'))).toBe(0x4b37);
  });

  it('rejects a frame with one bit flipped', () => {
    const frame = hex('01 05 00 00 FF 00 8C 3A');
    frame[3] ^= 0x01;
    expect(hasValidCrc(frame)).toBe(false);
  });
});

describe('parseHexBytes', () => {
  it.each([
    ['A0 01 01 A2', 'a00101a2'],
    ['a0:01:01:a2', 'a00101a2'],
    ['0xA0, 0x01', 'a001'],
    ['A00101A2', 'a00101a2'],
  ])('reads %j', (text, bytes) => {
    expect(parseHexBytes(text).toString('hex')).toBe(bytes);
  });

  it.each(['', 'A0 1', 'zz', 'A0 0G'])('refuses %j with a message naming the setting', (text) => {
    expect(() => parseHexBytes(text, 'onHex')).toThrow(/onHex must be pairs of hex digits/);
  });
});

describe('Modbus flash (the board times the pulse)', () => {
  it('matches the Waveshare example: relay 0 flash on for 700 ms is 01 05 02 00 00 07 8D B0', () => {
    expect(flashFrame(1, 0, true, 700).toString('hex')).toBe('0105020000078db0');
  });

  it("rounds up to the board's 100 ms step and uses flash off under inverted polarity", () => {
    expect(flashFrame(1, 3, true, 1_250).subarray(0, 6).toString('hex')).toBe('01050203000d');
    expect(flashFrame(2, 1, false, 3_000).subarray(0, 6).toString('hex')).toBe('02050401001e');
    expect(hasValidCrc(flashFrame(2, 1, false, 3_000))).toBe(true);
  });

  it('says which settings have a board timer, and refuses a coil the command cannot address', () => {
    const flash = relaySettingsSchema.parse({ driver: 'modbus', port: 'x', pulse: 'flash' });
    expect(relayHasBoardTimer(flash)).toBe(true);
    expect(createRelayDriver(flash).boardTimer).toBe(true);
    expect(relayHasBoardTimer(relaySettingsSchema.parse({ driver: 'modbus', port: 'x' }))).toBe(false);
    expect(relayHasBoardTimer(relaySettingsSchema.parse({ driver: 'lcus', port: 'x' }))).toBe(false);
    expect(() =>
      createRelayDriver(
        relaySettingsSchema.parse({ driver: 'modbus', port: 'x', pulse: 'flash', coil: 300 }),
      ),
    ).toThrow(/coils 0 to 255/);
  });
});
