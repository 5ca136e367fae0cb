import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { withCrc } from '../../../src/core/door/crc16';
import { createRelayDriver } from '../../../src/core/door/create-driver';
import type { RelayDriver } from '../../../src/core/door/driver';
import { relaySettingsSchema, type RelaySettingsInput } from '../../../src/shared/door';
import { RelayBoardSimulator } from '../../helpers/relay-board';
import { createPtyPair, disposeAllPtyPairs, hasSocat } from '../../helpers/socat';
import { skipWithout } from '../../helpers/fixtures';
import { startService, type Harness } from '../service/service-harness';

/**
 * Door supervision (docs/door.md): the board's inputs read byte for byte against the socat board
 * simulator (Modbus function 02, Numato `gpio read`), then the service raising door_forced and
 * door_held_open from a simulated door contact and opening the door for the exit button.
 */

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const drivers: RelayDriver[] = [];
const boards: RelayBoardSimulator[] = [];

async function rig(settings: Record<string, unknown> & { driver: 'modbus' | 'numato' }) {
  const pair = await createPtyPair();
  const board = await RelayBoardSimulator.attach(pair.boardPath, { protocol: settings.driver });
  boards.push(board);
  const driver = createRelayDriver(
    relaySettingsSchema.parse({ port: pair.devicePath, ...settings } as RelaySettingsInput),
  );
  drivers.push(driver);
  await driver.open();
  return { pair, board, driver };
}

describe('Modbus read discrete inputs: the documented frames', () => {
  it('our CRC gives the documented bytes of function 02 requests and answers', () => {
    // LC Technology Modbus relay manual, "Read optocoupler input status" (slave 0xFF, 8 inputs).
    expect(withCrc(Uint8Array.from([0xff, 0x02, 0x00, 0x00, 0x00, 0x08])).toString('hex')).toBe(
      'ff02000000086c12',
    );
    expect(withCrc(Uint8Array.from([0xff, 0x02, 0x01, 0x01])).toString('hex')).toBe('ff02010151a0');
    // Beckhoff BK/EK Modbus coupler manual, "Read Input Status (Function 2)" (slave 11, 10 inputs).
    expect(withCrc(Uint8Array.from([0x0b, 0x02, 0x00, 0x00, 0x00, 0x0a])).toString('hex')).toBe(
      '0b020000000af8a7',
    );
  });
});

describe.skipIf(skipWithout('socat', hasSocat))('board inputs over a socat pty (needs socat)', () => {
  afterEach(async () => {
    await Promise.allSettled(drivers.splice(0).map((d) => d.close()));
    await Promise.allSettled(boards.splice(0).map((b) => b.close()));
    await disposeAllPtyPairs();
  });

  it('Modbus: reads one discrete input with function 02, byte for byte', async () => {
    const { board, driver } = await rig({ driver: 'modbus', slaveId: 1, coil: 0 });
    board.inputs.set(3, false);
    expect(await driver.readInput!(3)).toBe(false);
    board.inputs.set(3, true);
    expect(await driver.readInput!(3)).toBe(true);
    expect(board.inputReads.map((r) => r.bytes.toString('hex'))).toEqual([
      '01020003000149ca',
      '01020003000149ca',
    ]);
    expect(board.bytes().equals(hex('01020003000149ca 01020003000149ca'))).toBe(true);
  });

  it('Modbus: an exception answer is a clear error, not a level', async () => {
    const { board, driver } = await rig({ driver: 'modbus', slaveId: 1, coil: 0 });
    board.behaviour = { reply: 'exception', exceptionCode: 2 };
    await expect(driver.readInput!(9)).rejects.toThrow(/Modbus exception 2 \(illegal data address/);
  });

  it('Numato: `gpio read N` (N as a digit, then a letter from 10), the echo and prompt skipped', async () => {
    const { board, driver } = await rig({ driver: 'numato', channel: 0 });
    board.inputs.set(2, true);
    board.inputs.set(11, false);
    expect(await driver.readInput!(2)).toBe(true);
    expect(await driver.readInput!(11)).toBe(false);
    expect(board.bytes().toString('latin1')).toBe('gpio read 2\rgpio read B\r');
  });
});

describe.skipIf(skipWithout('socat', hasSocat))(
  'door supervision through the service: forced, held open, exit button (needs socat)',
  () => {
    let h: Harness;
    let board: RelayBoardSimulator;

    afterAll(async () => {
      await h?.close();
      await board?.close();
      await disposeAllPtyPairs();
    });

    it('a contact opened without a grant raises door_forced; after a grant it does not, but held open it raises door_held_open', async () => {
      h = await startService();
      const pair = await createPtyPair();
      board = await RelayBoardSimulator.attach(pair.boardPath, { protocol: 'modbus' });
      await h.call('settings.set', {
        patch: {
          door: {
            enabled: true,
            pulseSeconds: 0.5,
            relay: { driver: 'modbus', port: pair.devicePath, slaveId: 1, coil: 0 },
            supervision: {
              contactInput: { index: 0, activeHigh: true },
              exitButtonInput: { index: 1, activeHigh: true },
              heldOpenSeconds: 1,
            },
          },
        },
      });
      // The service polls the inputs.
      await expect.poll(() => board.inputReads.length, { timeout: 5000 }).toBeGreaterThan(2);

      // Forced: the contact opens with no grant.
      let from = h.events.length;
      board.inputs.set(0, true);
      expect(await h.next('alarm.raised', (a) => a.kind === 'door_forced', { from })).toMatchObject({
        kind: 'door_forced',
        person: null,
      });
      board.inputs.set(0, false);
      await new Promise((r) => setTimeout(r, 600));

      // A grant (admin opens the door), then the door opens: no door_forced, but held open past 1 s.
      await h.call('alarms.dismiss', {});
      from = h.events.length;
      await h.call('door.open', {});
      board.inputs.set(0, true);
      const held = await h.next('alarm.raised', (a) => a.kind === 'door_held_open', {
        from,
        timeoutMs: 5000,
      });
      expect(held.detail).toContain('more than 1 s');
      expect(
        h.events
          .slice(from)
          .some((e) => e.name === 'alarm.raised' && (e.payload as { kind: string }).kind === 'door_forced'),
      ).toBe(false);
      expect((await h.call('alarms.list')).alarms.map((a) => a.kind)).toContain('door_held_open');
      board.inputs.set(0, false);
    }, 60_000);

    it('the exit button opens the door (relay bytes) and is logged', async () => {
      await new Promise((r) => setTimeout(r, 800));
      const since = Date.now();
      board.inputs.set(1, true);
      await board.waitForBytes(withCrc(Uint8Array.from([0x01, 0x05, 0x00, 0x00, 0xff, 0x00])), {
        since,
        timeoutMs: 5000,
      });
      board.inputs.set(1, false);
      await expect
        .poll(
          async () => (await h.call('events.query', { kinds: ['manual_open'] })).events[0]?.note ?? null,
          {
            timeout: 5000,
          },
        )
        .toBe('exit button');
    }, 30_000);
  },
);
