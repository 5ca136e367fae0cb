import { afterEach, describe, expect, it } from 'vitest';
import { createRelayDriver } from '../../../src/core/door/create-driver';
import type { RelayDriver } from '../../../src/core/door/driver';
import { RelayError } from '../../../src/core/door/relay-error';
import { relaySettingsSchema, type RelaySettingsInput } from '../../../src/shared/door';
import { RelayBoardSimulator, type RelayBoardOptions } from '../../helpers/relay-board';
import { createPtyPair, disposeAllPtyPairs, hasSocat } from '../../helpers/socat';
import { skipWithout } from '../../helpers/fixtures';

/** Relay settings minus the port (distributes over the union of drivers). */
type SettingsWithoutPort = RelaySettingsInput extends infer T
  ? T extends unknown
    ? Omit<T, 'port'>
    : never
  : never;

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const open: RelayDriver[] = [];
const boards: RelayBoardSimulator[] = [];

async function rig(settings: SettingsWithoutPort, board: Omit<RelayBoardOptions, 'protocol'> = {}) {
  const pair = await createPtyPair();
  const sim = await RelayBoardSimulator.attach(pair.boardPath, { protocol: settings.driver, ...board });
  boards.push(sim);
  const driver = createRelayDriver(
    relaySettingsSchema.parse({ port: pair.devicePath, ...settings } as RelaySettingsInput),
  );
  open.push(driver);
  await driver.open();
  return { pair, board: sim, driver };
}

/** Switch on then off and return exactly what the board received. */
async function onOff(driver: RelayDriver, board: RelayBoardSimulator): Promise<Buffer> {
  await driver.setRelay(true);
  await driver.setRelay(false);
  await board.waitForCommand((c) => !c.energise, { from: 1 });
  return board.bytes();
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
  await Promise.all(boards.splice(0).map((b) => b.close()));
  await disposeAllPtyPairs();
});

describe.skipIf(skipWithout('socat', hasSocat))('relay drivers on a socat pty', () => {
  it.each([
    [1, 'A0 01 01 A2 A0 01 00 A1'],
    [2, 'A0 02 01 A3 A0 02 00 A2'],
    [8, 'A0 08 01 A9 A0 08 00 A8'],
  ])('LCUS channel %i sends exactly %s', async (channel, expected) => {
    const { driver, board } = await rig({ driver: 'lcus', channel });
    expect(await onOff(driver, board)).toEqual(hex(expected));
    expect(board.relays.get(channel)).toBe(false);
  });

  it.each([
    [1, 'FF 01 01 FF 01 00'],
    [3, 'FF 03 01 FF 03 00'],
  ])('KMTronic channel %i sends exactly %s', async (channel, expected) => {
    const { driver, board } = await rig({ driver: 'kmtronic', channel });
    expect(await onOff(driver, board)).toEqual(hex(expected));
  });

  it('KMTronic reads the relay back with FF <ch> 03', async () => {
    const { driver, board } = await rig({ driver: 'kmtronic', channel: 2, readBack: true });
    await driver.setRelay(true);
    expect(await driver.readBack!()).toBe(true);
    expect(board.bytes()).toEqual(hex('FF 02 01 FF 02 03 FF 02 03'));
  });

  it.each([
    [0, 'relay on 0\rrelay off 0\r'],
    [5, 'relay on 5\rrelay off 5\r'],
    [11, 'relay on B\rrelay off B\r'],
  ])('Numato relay %i sends exactly %j', async (channel, expected) => {
    const { driver, board } = await rig({ driver: 'numato', channel });
    expect((await onOff(driver, board)).toString('latin1')).toBe(expected);
  });

  it('Numato reads the relay back through the echo and prompt', async () => {
    const { driver, board } = await rig({ driver: 'numato', channel: 3 });
    await driver.setRelay(true);
    expect(await driver.readBack!()).toBe(true);
    await driver.setRelay(false);
    expect(await driver.readBack!()).toBe(false);
    expect(board.bytes().toString('latin1')).toContain('relay read 3\r');
  });

  it.each([
    [1, 0, '01 05 00 00 FF 00 8C 3A 01 05 00 00 00 00 CD CA'],
    [1, 1, '01 05 00 01 FF 00 DD FA 01 05 00 01 00 00 9C 0A'],
    [17, 0xac, '11 05 00 AC FF 00 4E 8B 11 05 00 AC 00 00 0F 7B'],
  ])('Modbus slave %i coil %i sends exactly %s and takes the echo', async (slaveId, coil, expected) => {
    const { driver, board } = await rig({ driver: 'modbus', slaveId, coil }, { slaveId });
    expect(await onOff(driver, board)).toEqual(hex(expected));
    expect(board.relays.get(coil)).toBe(false);
  });

  it('custom hex board sends exactly the configured bytes', async () => {
    const { driver, board } = await rig(
      { driver: 'hex', onHex: '55 AA 01', offHex: '55 AA 00' },
      { onHex: '55 AA 01', offHex: '55 AA 00' },
    );
    expect(await onOff(driver, board)).toEqual(hex('55 AA 01 55 AA 00'));
  });

  it('inverted polarity sends the board’s "on" to lock', async () => {
    const { driver, board } = await rig({ driver: 'lcus', channel: 1, polarity: 'inverted' });
    await driver.setRelay(false);
    await board.waitForCommand(() => true);
    expect(board.bytes()).toEqual(hex('A0 01 01 A2'));
    expect(board.relays.get(1)).toBe(true);
  });

  describe('Modbus replies that go wrong', () => {
    const failure = async (promise: Promise<unknown>) => {
      const error = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(RelayError);
      return error as RelayError;
    };

    it('a missing echo is modbus-timeout, and the next command works again', async () => {
      const { driver, board } = await rig({ driver: 'modbus', replyTimeoutMs: 150 });
      board.behaviour = { reply: 'silent', exceptionCode: 4 };
      const error = await failure(driver.setRelay(true));
      expect(error.reason).toBe('modbus-timeout');
      expect(error.message).toMatch(/did not answer within 150 ms/);
      board.behaviour = { reply: 'normal', exceptionCode: 4 };
      await driver.setRelay(false);
      expect(board.relays.get(0)).toBe(false);
    });

    it('an exception reply is modbus-exception', async () => {
      const { driver, board } = await rig({ driver: 'modbus' });
      board.behaviour = { reply: 'exception', exceptionCode: 2 };
      const error = await failure(driver.setRelay(true));
      expect(error.reason).toBe('modbus-exception');
      expect(error.message).toMatch(/illegal data address/);
    });

    it('a CRC-valid reply that is not the echo is modbus-bad-reply', async () => {
      const { driver, board } = await rig({ driver: 'modbus' });
      board.behaviour = { reply: 'wrong', exceptionCode: 4 };
      expect((await failure(driver.setRelay(true))).reason).toBe('modbus-bad-reply');
    });

    it('noise before the echo and an echo in two pieces are read correctly', async () => {
      const { driver, board } = await rig({ driver: 'modbus', replyTimeoutMs: 1000 });
      board.behaviour = { reply: 'normal', exceptionCode: 4, noise: hex('00 FF 01 13 01'), splitMs: 60 };
      await driver.setRelay(true);
      await driver.setRelay(false);
      expect(board.relays.get(0)).toBe(false);
    });

    it('garbage from the board between commands does not confuse the next reply', async () => {
      const { driver, board } = await rig({ driver: 'modbus', readBack: true });
      await driver.setRelay(true);
      // A stale, CRC-valid "coil is off" reply and random bytes arrive unasked.
      await board.send(Buffer.concat([hex('01 01 01 00 51 88'), hex('DE AD BE EF 01 05')]));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await driver.readBack!()).toBe(true);
    });

    it('with read-back on, a relay that did not move is readback-mismatch', async () => {
      const { driver, board } = await rig({ driver: 'numato', channel: 1, readBack: true });
      await driver.setRelay(true);
      board.behaviour = { reply: 'normal', exceptionCode: 4, stuck: true };
      const error = await failure(driver.setRelay(false));
      expect(error.reason).toBe('readback-mismatch');
      expect(error.message).toMatch(/reads released after being told lock/);
    });

    it('with read-back on, no answer to the read is readback-timeout', async () => {
      const { driver, board } = await rig({
        driver: 'numato',
        channel: 1,
        readBack: true,
        replyTimeoutMs: 300,
      });
      await driver.setRelay(true);
      board.behaviour = { reply: 'silent', exceptionCode: 4 };
      expect((await failure(driver.setRelay(false))).reason).toBe('readback-timeout');
    });
  });

  it('Numato noise and a reply split mid-word still read back', async () => {
    const { driver, board } = await rig({ driver: 'numato', channel: 0, replyTimeoutMs: 1000 });
    board.behaviour = {
      reply: 'normal',
      exceptionCode: 4,
      noise: Buffer.from('\x00\xfe>>', 'latin1'),
      splitMs: 60,
    };
    await driver.setRelay(true);
    expect(await driver.readBack!()).toBe(true);
  });

  it('serialises commands: concurrent calls never interleave their bytes', async () => {
    const { driver, board } = await rig({ driver: 'modbus', replyTimeoutMs: 1000 });
    board.behaviour = { reply: 'normal', exceptionCode: 4, splitMs: 20 };
    await Promise.all(Array.from({ length: 10 }, (_, i) => driver.setRelay(i % 2 === 0)));
    await board.waitForCommand(() => true, { from: 9 });
    const expected = Buffer.concat(Array.from({ length: 10 }, (_, i) => driver.frame(i % 2 === 0)));
    expect(board.bytes()).toEqual(expected);
  });

  it('a command on a port that went away fails as port-closed and reports the loss', async () => {
    const { driver, pair } = await rig({ driver: 'lcus' });
    const lost = new Promise<RelayError>((resolve) => driver.onLost(resolve));
    await pair.stop();
    expect((await lost).reason).toBe('port-closed');
    await expect(driver.setRelay(false)).rejects.toMatchObject({ reason: 'port-closed' });
  });

  it('opening a path that does not exist says which and what to check', async () => {
    const driver = createRelayDriver(
      relaySettingsSchema.parse({ driver: 'lcus', port: '/dev/ttyFACEGATE-none' }),
    );
    await expect(driver.open()).rejects.toMatchObject({
      reason: 'port-unavailable',
      message: expect.stringMatching(/Cannot open serial port \/dev\/ttyFACEGATE-none.*does not exist/),
    });
  });
});
