import { afterEach, describe, expect, it } from 'vitest';
import { hasValidCrc } from '../../../src/core/door/crc16';
import { hasSocat } from '../../helpers/socat';
import { disposeDoorRigs, doorRig, nextChange, sleep } from './rig';
import { skipWithout } from '../../helpers/fixtures';

/** setTimeout may fire a millisecond early by rounding; a relock is never earlier than that. */
const timerSlackMs = 2;

afterEach(disposeDoorRigs);

describe.skipIf(skipWithout('socat', hasSocat))('door controller on a socat pty', () => {
  it('sends "locked" before anything else on start', async () => {
    const { door, board, events } = await doorRig({ driver: 'lcus', channel: 2 });
    const status = await door.start();
    expect(status).toMatchObject({ state: 'locked', reason: 'startup', driver: 'lcus' });
    const first = await board.waitForCommand(() => true);
    expect(first).toMatchObject({ channel: 2, energise: false });
    expect(first.bytes).toEqual(Buffer.from([0xa0, 0x02, 0x00, 0xa2]));
    expect(events).toEqual([
      expect.objectContaining({ state: 'locked', previous: 'disconnected', reason: 'startup' }),
    ]);
  });

  it('pulses: unlocks, then relocks at the deadline, not before', async () => {
    const { door, board, events } = await doorRig({ driver: 'lcus' });
    await door.start();
    const asked = Date.now();
    const result = await door.pulse(300, 'recognised');
    expect(result).toMatchObject({ opened: true, state: 'unlocked' });
    expect(result.unlockedUntil!).toBeGreaterThanOrEqual(asked + 300);
    const relocked = await nextChange(door, (c) => c.state === 'locked');
    expect(relocked).toMatchObject({ previous: 'unlocked', reason: 'deadline' });
    expect(relocked.unlockedUntil).toBeUndefined();
    await board.waitForCommand(() => true, { from: 2 });

    const [startupOff, on, off] = board.commands;
    expect([startupOff.energise, on.energise, off.energise]).toEqual([false, true, false]);
    expect(off.at).toBeGreaterThanOrEqual(result.unlockedUntil! - timerSlackMs);
    const unlocked = events.find((e) => e.state === 'unlocked')!;
    expect(unlocked).toMatchObject({ previous: 'locked', reason: 'pulse:recognised' });
    expect(unlocked.unlockedUntil).toBe(result.unlockedUntil);
  });

  it('a pulse while open extends the deadline without a second "on", and never shortens it', async () => {
    const { door, board } = await doorRig({ driver: 'kmtronic' });
    await door.start();
    const first = await door.pulse(400, 'recognised');
    await sleep(150);
    const second = await door.pulse(400, 'recognised');
    expect(second.opened).toBe(true);
    expect(second.unlockedUntil!).toBeGreaterThan(first.unlockedUntil!);
    const shorter = await door.pulse(200, 'recognised');
    expect(shorter.unlockedUntil).toBe(second.unlockedUntil);

    await nextChange(door, (c) => c.state === 'locked');
    await board.waitForCommand((c) => !c.energise, { from: 2 });
    const switches = board.commands.slice(1);
    expect(switches.map((c) => c.energise)).toEqual([true, false]);
    expect(switches[1].at).toBeGreaterThanOrEqual(second.unlockedUntil! - timerSlackMs);
  });

  it('lock() relocks at once', async () => {
    const { door, board } = await doorRig({ driver: 'numato', channel: 4 });
    await door.start();
    await door.pulse(60_000, 'manual');
    const status = await door.lock('manual');
    expect(status).toMatchObject({ state: 'locked', reason: 'manual' });
    await board.waitForCommand(() => true, { from: 2 });
    expect(board.relays.get(4)).toBe(false);
    expect(board.commands.map((c) => c.energise)).toEqual([false, true, false]);
  });

  it('refuses pulse durations outside 0.2 to 255 s with a clear error', async () => {
    const { door } = await doorRig({ driver: 'lcus' });
    await door.start();
    await expect(door.pulse(100)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/0\.2 to 255 seconds; got 0\.1 s/),
    });
    await expect(door.pulse(255_001)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(door.pulse(Number.NaN)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(door.status().state).toBe('locked');
  });

  it('uses the configured default pulse', async () => {
    const { door } = await doorRig({ driver: 'lcus' }, { pulseSeconds: 0.25 });
    await door.start();
    const result = await door.pulse();
    expect(result.unlockedUntil! - Date.now()).toBeLessThanOrEqual(250);
    expect(result.unlockedUntil! - Date.now()).toBeGreaterThan(0);
  });

  it('re-asserts "locked" periodically while locked', async () => {
    const { door, board } = await doorRig({ driver: 'lcus' }, { reassertSeconds: 0.1 });
    await door.start();
    await board.waitForCommand(() => true, { from: 3 });
    expect(board.commands.every((c) => !c.energise)).toBe(true);
    expect(door.status().state).toBe('locked');
  });

  it('garbage and partial bytes from the board do not disturb the door', async () => {
    const { door, board } = await doorRig({ driver: 'modbus', replyTimeoutMs: 1000 });
    await door.start();
    await board.send(Buffer.from([0x01, 0x05, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x01]));
    board.behaviour = {
      reply: 'normal',
      exceptionCode: 4,
      noise: Buffer.from([0x01, 0x05, 0x00]),
      splitMs: 30,
    };
    const result = await door.pulse(200, 'recognised');
    expect(result.opened).toBe(true);
    await nextChange(door, (c) => c.state === 'locked');
    await board.waitForCommand(() => true, { from: 2 });
    expect(board.relays.get(0)).toBe(false);
  });

  it('serialises commands: a burst of pulses and locks sends whole frames only', async () => {
    const { door, board } = await doorRig({ driver: 'modbus', replyTimeoutMs: 1000 });
    board.behaviour = { reply: 'normal', exceptionCode: 4, splitMs: 5 };
    await door.start();
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        i % 3 === 2 ? door.lock('manual') : door.pulse(200 + i, 'burst'),
      ),
    );
    await door.lock('manual');
    const bytes = board.bytes();
    expect(bytes.length % 8).toBe(0);
    for (let i = 0; i < bytes.length; i += 8) expect(hasValidCrc(bytes.subarray(i, i + 8))).toBe(true);
    expect(board.relays.get(0)).toBe(false);
  });

  describe('Modbus faults', () => {
    it('a missing reply to "on" is a fault, the door did not open, and it recovers by relocking', async () => {
      const { door, board, events } = await doorRig(
        { driver: 'modbus', replyTimeoutMs: 150 },
        { reconnectSeconds: 0.1, reconnectMaxSeconds: 0.2 },
      );
      await door.start();
      board.behaviour = { reply: 'silent', exceptionCode: 4 };
      const result = await door.pulse(1000, 'recognised');
      expect(result).toMatchObject({ opened: false, state: 'fault' });
      expect(result.reason).toMatch(/did not answer within 150 ms/);
      expect(events.at(-1)).toMatchObject({ state: 'fault', previous: 'locked', reason: 'modbus-timeout' });
      expect(await door.pulse(1000, 'recognised')).toMatchObject({ opened: false, state: 'fault' });

      const sent = board.commands.length;
      board.behaviour = { reply: 'normal', exceptionCode: 4 };
      const recovered = await nextChange(door, (c) => c.state === 'locked');
      expect(recovered).toMatchObject({ previous: 'fault', reason: 'recovered' });
      expect(board.commands[sent]).toMatchObject({ energise: false });
      expect(board.relays.get(0)).toBe(false);
      expect(await door.pulse(200, 'recognised')).toMatchObject({ opened: true });
    });

    it('an exception reply is a fault with the exception in the detail, then recovers', async () => {
      const { door, board } = await doorRig({ driver: 'modbus' }, { reconnectSeconds: 0.1 });
      await door.start();
      board.behaviour = { reply: 'exception', exceptionCode: 4 };
      expect(await door.pulse(500, 'recognised')).toMatchObject({ opened: false });
      expect(door.status()).toMatchObject({
        state: 'fault',
        reason: 'modbus-exception',
        detail: expect.stringMatching(/slave device failure/),
      });
      board.behaviour = { reply: 'normal', exceptionCode: 4 };
      await nextChange(door, (c) => c.state === 'locked' && c.reason === 'recovered');
    });

    it('a relock that fails at the deadline keeps retrying until the board takes it', async () => {
      const { door, board } = await doorRig(
        { driver: 'modbus', replyTimeoutMs: 100 },
        { reconnectSeconds: 0.1, reconnectMaxSeconds: 0.2 },
      );
      await door.start();
      expect(await door.pulse(300, 'recognised')).toMatchObject({ opened: true });
      board.behaviour = { reply: 'silent', exceptionCode: 4 };
      await nextChange(door, (c) => c.state === 'fault' && c.previous === 'unlocked');
      // Several relock attempts go unanswered (and the port is reopened after a few) ...
      await sleep(800);
      expect(door.status().state).toBe('fault');
      board.behaviour = { reply: 'normal', exceptionCode: 4 };
      await nextChange(door, (c) => c.state === 'locked' && c.reason === 'recovered');
      expect(board.relays.get(0)).toBe(false);
    });
  });

  describe('unplug and re-plug', () => {
    it('killing socat mid-pulse goes to disconnected; restarting it reconnects and sends "locked" first', async () => {
      const { door, board, pair, events } = await doorRig(
        { driver: 'lcus' },
        { reconnectSeconds: 0.2, reconnectMaxSeconds: 0.4 },
      );
      await door.start();
      await door.pulse(10_000, 'recognised');
      await board.waitForCommand((c) => c.energise);

      const lostSoon = nextChange(door, (c) => c.state === 'disconnected');
      await pair.stop();
      const lost = await lostSoon;
      expect(lost).toMatchObject({ previous: 'unlocked', reason: 'port-closed' });
      expect(await door.pulse(1000, 'recognised')).toMatchObject({ opened: false, state: 'disconnected' });
      await sleep(500); // a few reconnect attempts fail while the board is away

      const before = board.commands.length;
      await pair.restart();
      await board.reattach();
      const back = await nextChange(door, (c) => c.state === 'locked');
      expect(back).toMatchObject({ previous: 'disconnected', reason: 'reconnect' });
      const first = await board.waitForCommand(() => true, { from: before });
      expect(first.energise).toBe(false);
      expect(board.commands.slice(before).every((c) => !c.energise)).toBe(true);
      // While away, the reason may change from port-closed to port-unavailable (one event each).
      const states = events.map((e) => e.state).filter((state, i, all) => state !== all[i - 1]);
      expect(states).toEqual(['locked', 'unlocked', 'disconnected', 'locked']);
      const away = events.filter((e) => e.state === 'disconnected').map((e) => e.reason);
      expect(new Set(away)).toEqual(new Set(['port-closed', 'port-unavailable']));
    });

    it('a board missing at start is picked up when it appears, "locked" first', async () => {
      const { door, board, pair } = await doorRig(
        { driver: 'kmtronic', channel: 3 },
        { reconnectSeconds: 0.1 },
      );
      await board.close();
      await pair.stop();
      const status = await door.start();
      expect(status).toMatchObject({
        state: 'disconnected',
        reason: 'port-unavailable',
        detail: expect.stringMatching(/Cannot open serial port/),
      });
      expect(await door.pulse(500, 'recognised')).toMatchObject({ opened: false });
      await pair.restart();
      await board.reattach();
      await nextChange(door, (c) => c.state === 'locked' && c.reason === 'reconnect');
      expect(await board.waitForCommand(() => true)).toMatchObject({ channel: 3, energise: false });
    });
  });

  describe('shutdown', () => {
    it('relocks an open door, closes the port, and refuses later pulses', async () => {
      const { door, board } = await doorRig({ driver: 'lcus' });
      await door.start();
      await door.pulse(60_000, 'manual');
      const result = await door.shutdown();
      expect(result).toMatchObject({ relocked: true, state: 'disconnected', reason: 'shutdown' });
      await board.waitForCommand((c) => !c.energise, { from: 2 });
      expect(board.relays.get(1)).toBe(false);
      expect(await door.pulse(500, 'recognised')).toMatchObject({ opened: false });
      expect(await door.shutdown()).toBe(result);
    });

    it('a listener that throws does not stop the relock', async () => {
      const { door, board } = await doorRig({ driver: 'lcus' });
      door.on(() => {
        throw new Error('broken listener');
      });
      await door.start();
      await door.pulse(200, 'recognised');
      await nextChange(door, (c) => c.state === 'locked' && c.reason === 'deadline');
      await board.waitForCommand(() => true, { from: 2 });
      expect(board.relays.get(1)).toBe(false);
    });
  });
});
