import { describe, expect, it } from 'vitest';
import { doorTimingSchema, relaySettingsSchema } from '../../../src/shared/door';

describe('relay settings', () => {
  it('fills in each board’s defaults', () => {
    expect(relaySettingsSchema.parse({ driver: 'lcus', port: '/dev/ttyUSB0' })).toEqual({
      driver: 'lcus',
      port: '/dev/ttyUSB0',
      baudRate: 9600,
      channel: 1,
      polarity: 'normal',
      parity: 'none',
      stopBits: 1,
      replyTimeoutMs: 500,
      readBack: false,
    });
    const numato = relaySettingsSchema.parse({ driver: 'numato', port: 'COM3' });
    expect(numato).toMatchObject({ baudRate: 19200, channel: 0 });
    const modbus = relaySettingsSchema.parse({ driver: 'modbus', port: '1a86:7523' });
    expect(modbus).toMatchObject({ slaveId: 1, coil: 0, baudRate: 9600 });
  });

  it.each([
    [{ driver: 'lcus', port: '/dev/ttyUSB0', channel: 9 }, 'channel'],
    [{ driver: 'lcus', port: '' }, 'port'],
    [{ driver: 'modbus', port: 'COM1', slaveId: 0 }, 'slaveId'],
    [{ driver: 'numato', port: 'COM1', channel: 32 }, 'channel'],
    [{ driver: 'hex', port: 'COM1', onHex: 'A0 1', offHex: '00' }, 'onHex'],
    [{ driver: 'x10', port: 'COM1' }, 'driver'],
  ])('refuses %j, naming %s', (input, field) => {
    const result = relaySettingsSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].path).toContain(field);
  });
});

describe('door timing', () => {
  it('defaults to a 3 s pulse and re-asserting locked every 30 s', () => {
    expect(doorTimingSchema.parse({})).toMatchObject({ pulseSeconds: 3, reassertSeconds: 30 });
  });

  it.each([0.1, 256])('refuses a %s s pulse', (pulseSeconds) => {
    expect(doorTimingSchema.safeParse({ pulseSeconds }).success).toBe(false);
  });
});
