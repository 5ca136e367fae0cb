import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AttendanceEvent } from '../../../src/shared/attendance';
import { skipWithout } from '../../helpers/fixtures';
import { hasSharedFaces, identityPhotos } from '../../helpers/paths';
import { RelayBoardSimulator } from '../../helpers/relay-board';
import { createPtyPair, disposeAllPtyPairs, hasSocat, type PtyPair } from '../../helpers/socat';
import { decide, photoFrame, startService, type Harness } from './service-harness';

/**
 * Issue 14 through the real service (real models, SQLite, a socat pty playing a Modbus board):
 * what the kiosk is told about the door, the alarm admin sees when the door fails someone, and the
 * In/Out rules of explicit attendance mode, from camera frames of an enrolled person.
 */

/** The policy forgets a person 1.5 s after their last frame: the next frames are a new visit. */
const leave = () => new Promise((r) => setTimeout(r, 1700));

describe.skipIf(skipWithout('../shared/faces and socat', hasSharedFaces && hasSocat))(
  'front desk through the service: door feedback, alarms, In/Out',
  () => {
    let h: Harness;
    let pty: PtyPair;
    let board: RelayBoardSimulator;
    let personId: number;
    let frame: { width: number; height: number; data: Uint8Array };

    beforeAll(async () => {
      h = await startService();
      pty = await createPtyPair();
      board = await RelayBoardSimulator.attach(pty.boardPath, { protocol: 'modbus' });
      await h.call('settings.set', {
        patch: {
          liveness: { requiredForDoor: false },
          access: { cooldownSeconds: 0 },
          // No attendance events until the In/Out tests: they start from a clean slate.
          attendance: { mode: 'explicit', noChoice: 'none' },
          door: {
            enabled: true,
            pulseSeconds: 0.3,
            relay: { driver: 'modbus', port: pty.devicePath, replyTimeoutMs: 300 },
          },
        },
      });
      const katy = identityPhotos().filter((p) => p.identity === 'katy');
      personId = (await h.call('people.create', { name: 'Katy' })).id;
      const enrolled = await h.call('enrol.fromPhoto', {
        personId,
        fileName: katy[0].file,
        data: readFileSync(katy[0].path),
      });
      expect(enrolled.accepted, enrolled.message).toBe(true);
      frame = await photoFrame(katy[1].path);
    }, 120_000);
    afterAll(async () => {
      await h?.close();
      await board?.close();
      await disposeAllPtyPairs();
    });
    afterEach(leave);

    it('tells the kiosk the door is open only when the board confirmed it', async () => {
      const decision = await decide(h, frame);
      expect(decision).toMatchObject({ kind: 'granted', doorOpened: true, door: 'open' });
    });

    it('a door that fails someone let in: "fault" for the kiosk and an alarm naming them for admin', async () => {
      await h.call('alarms.dismiss', {});
      board.behaviour = { reply: 'silent', exceptionCode: 4 };
      const decision = await decide(h, frame);
      expect(decision).toMatchObject({ kind: 'granted', doorOpened: false, door: 'fault' });
      const { alarms } = await h.call('alarms.list');
      expect(alarms.find((a) => a.kind === 'door_fault')).toMatchObject({
        person: { id: personId, name: 'Katy' },
      });
      // A kiosk (no PIN) cannot read or dismiss alarms.
      await expect(h.call('alarms.list', undefined, h.kiosk)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      board.behaviour = { reply: 'normal', exceptionCode: 4 };
      await h.call('alarms.dismiss', {});
      expect((await h.call('alarms.list')).alarms).toEqual([]);
      // Attendance-only from here: the door plays no part in the In/Out rules.
      await h.call('settings.set', { patch: { door: { enabled: false } } });
    });

    it('"try a photo" says what the kiosk would decide and why, and opens and logs nothing', async () => {
      const before = (await h.call('events.query', {})).total;
      const katy = identityPhotos().filter((p) => p.identity === 'katy');
      const tried = await h.call('recognition.tryPhoto', {
        fileName: katy[2].file,
        data: readFileSync(katy[2].path),
      });
      expect(tried).toMatchObject({ kind: 'granted', faces: 1, person: { id: personId, name: 'Katy' } });
      expect(tried.similarity!).toBeGreaterThanOrEqual(tried.threshold);
      const stranger = identityPhotos().find((p) => p.identity === 'matt')!;
      const unknown = await h.call('recognition.tryPhoto', {
        fileName: stranger.file,
        data: readFileSync(stranger.path),
      });
      expect(unknown).toMatchObject({ kind: 'unknown', person: null });
      expect(unknown.similarity!).toBeLessThan(unknown.threshold);
      expect((await h.call('events.query', {})).total).toBe(before);
      await expect(
        h.call(
          'recognition.tryPhoto',
          { fileName: stranger.file, data: readFileSync(stranger.path) },
          h.kiosk,
        ),
      ).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    });

    describe('explicit In/Out', () => {
      let since = 0;
      const newEvents = async (): Promise<AttendanceEvent[]> => {
        const { events } = await h.call('events.query', { personId, kinds: ['check_in', 'check_out'] });
        return events.filter((e) => e.id > since);
      };

      beforeAll(async () => {
        await h.call('settings.set', {
          patch: { attendance: { mode: 'explicit', noChoice: 'check_in', debounceMinutes: 5 } },
        });
        const { events } = await h.call('events.query', { personId });
        since = Math.max(0, ...events.map((e) => e.id));
      });

      it('no press: the default; pressed Out: out; no press again: nothing (the debounce holds)', async () => {
        expect((await decide(h, frame))?.attendance).toMatchObject({ kind: 'check_in' });
        await leave();
        await h.call('attendance.choose', { kind: 'check_out' }, h.kiosk);
        expect((await decide(h, frame))?.attendance).toMatchObject({ kind: 'check_out' });
        await leave();
        // The report: "ten seconds later, no press: in again". Now: nothing new.
        const third = await decide(h, frame);
        expect(third?.kind).toBe('granted');
        expect(third?.attendance).toBeNull();
        expect((await newEvents()).map((e) => e.kind)).toEqual(['check_out', 'check_in']);
      });

      it('the pressed choice is used up by the next recognised person even when nothing is written', async () => {
        // Out again within the window: debounced, but the choice is gone with this person ...
        await h.call('attendance.choose', { kind: 'check_out' }, h.kiosk);
        expect((await decide(h, frame))?.attendance).toBeNull();
        await leave();
        // ... so the next person (no press, no debounce now) gets the default, not "Going out".
        await h.call('settings.set', { patch: { attendance: { debounceMinutes: 0 } } });
        expect((await decide(h, frame))?.attendance).toMatchObject({ kind: 'check_in' });
      });

      it('no press with the default "nothing": no event at all', async () => {
        await h.call('settings.set', { patch: { attendance: { noChoice: 'none', debounceMinutes: 0 } } });
        const before = (await newEvents()).length;
        const decision = await decide(h, frame);
        expect(decision?.kind).toBe('granted');
        expect(decision?.attendance).toBeNull();
        expect((await newEvents()).length).toBe(before);
      });
    });
  },
);
