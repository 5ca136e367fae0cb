import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DoorManager } from '../../../src/core/service/door-manager';
import { isBuiltInSerialPort, relaySettingsSchema, type RelaySettingsInput } from '../../../src/shared/door';
import { RelayBoardSimulator } from '../../helpers/relay-board';
import { skipWithout } from '../../helpers/fixtures';
import { createPtyPair, disposeAllPtyPairs, hasSocat } from '../../helpers/socat';

/**
 * The admin's "Test the relay" must tell the truth (issue 14): "verified" only when a board
 * answered, "sent — check that the relay clicked" for write-only boards, "failed" for a port that
 * does not exist or a board that does not answer. Real ptys from socat play the boards; a pty with
 * nothing on its far end is what /dev/ttyS0 with nothing attached looks like to FaceGate.
 */

const boards: RelayBoardSimulator[] = [];
afterEach(async () => {
  await Promise.allSettled(boards.splice(0).map((b) => b.close()));
});
afterAll(disposeAllPtyPairs);

function manager(): DoorManager {
  return new DoorManager(
    () => {},
    () => {},
  );
}

const relay = (input: RelaySettingsInput) => relaySettingsSchema.parse({ replyTimeoutMs: 300, ...input });

async function withBoard(protocol: 'lcus' | 'kmtronic' | 'numato' | 'modbus') {
  const pty = await createPtyPair();
  const board = await RelayBoardSimulator.attach(pty.boardPath, { protocol });
  boards.push(board);
  return { pty, board };
}

describe.skipIf(skipWithout('socat', hasSocat))('the relay test says what it knows', () => {
  it('a write-only LCUS board: "sent", never "passed", and the bytes did go out', async () => {
    const { pty, board } = await withBoard('lcus');
    const result = await manager().test(relay({ driver: 'lcus', port: pty.devicePath }), 300);
    expect(result).toMatchObject({ outcome: 'sent', ok: false, builtInPort: false });
    expect(result.message).toMatch(/check that the relay clicked/);
    await board.waitForCommand(() => true, { from: 2 });
    // Locked on start, on, off at the deadline (and locked again as the test controller stops).
    expect(board.commands.map((c) => c.energise).slice(0, 3)).toEqual([false, true, false]);
  });

  it('a write-only board with nothing attached (a bare pty, like /dev/ttyS0): "sent" at best', async () => {
    const pty = await createPtyPair();
    const result = await manager().test(relay({ driver: 'lcus', port: pty.devicePath }), 300);
    expect(result.outcome).toBe('sent');
    expect(result.ok).toBe(false);
  });

  it('a KMTronic board that answers its status query: "verified"; one that stays silent: "failed"', async () => {
    const { pty, board } = await withBoard('kmtronic');
    const settings = relay({ driver: 'kmtronic', port: pty.devicePath });
    expect(await manager().test(settings, 300)).toMatchObject({ outcome: 'verified', ok: true });
    board.behaviour = { reply: 'silent', exceptionCode: 4 };
    const silent = await manager().test(settings, 300);
    expect(silent).toMatchObject({ outcome: 'failed', ok: false });
    expect(silent.message).toMatch(/did not answer/);
  });

  it('a KMTronic port with nothing attached: "failed" (nobody answered the status query)', async () => {
    const pty = await createPtyPair();
    const result = await manager().test(relay({ driver: 'kmtronic', port: pty.devicePath }), 300);
    expect(result).toMatchObject({ outcome: 'failed', ok: false });
  });

  it('a Numato board that answers "relay read": "verified"; a stuck relay: "failed"', async () => {
    const { pty, board } = await withBoard('numato');
    const settings = relay({ driver: 'numato', port: pty.devicePath });
    expect(await manager().test(settings, 300)).toMatchObject({ outcome: 'verified' });
    board.behaviour = { reply: 'normal', exceptionCode: 4, stuck: true };
    const stuck = await manager().test(settings, 300);
    expect(stuck.outcome).toBe('failed');
  });

  it('a Modbus board echoes each write: "verified"; silent: "failed"', async () => {
    const { pty, board } = await withBoard('modbus');
    const settings = relay({ driver: 'modbus', port: pty.devicePath });
    expect(await manager().test(settings, 300)).toMatchObject({ outcome: 'verified', ok: true });
    board.behaviour = { reply: 'silent', exceptionCode: 4 };
    expect(await manager().test(settings, 300)).toMatchObject({ outcome: 'failed', ok: false });
  });

  it('a port that does not exist: "failed", with the reason', async () => {
    const result = await manager().test(relay({ driver: 'lcus', port: '/dev/ttyUSB-facegate-absent' }), 300);
    expect(result).toMatchObject({ outcome: 'failed', ok: false });
    expect(result.message).toMatch(/did not switch/);
  });
});

describe('built-in serial ports', () => {
  it('recognises the computer’s own UARTs, not USB boards', () => {
    expect(isBuiltInSerialPort('/dev/ttyS0')).toBe(true);
    expect(isBuiltInSerialPort('/dev/ttyAMA0')).toBe(true);
    expect(isBuiltInSerialPort('/dev/ttyUSB0')).toBe(false);
    expect(isBuiltInSerialPort('/dev/ttyACM0')).toBe(false);
    expect(isBuiltInSerialPort('COM3')).toBe(false);
  });
});
