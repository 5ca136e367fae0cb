import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { AccessDecision } from '../../../src/shared/contract';
import { skipWithout } from '../../helpers/fixtures';
import { hasSharedFaces, identityPhotos } from '../../helpers/paths';
import { RelayBoardSimulator } from '../../helpers/relay-board';
import { createPtyPair, disposeAllPtyPairs, hasSocat, type PtyPair } from '../../helpers/socat';
import { decide, photoFrame, startService, type Harness } from './service-harness';
import { rejectsWith } from '../../helpers/errors';

/**
 * Kiosk PINs, badges, duress PINs, the credential lockout and anti-passback through the real
 * service (SQLite file, scrypt, the rules function) with a socat pty playing an LCUS relay board.
 * Each attack here (PIN brute force, PIN from an unpaired client, duress visible to the kiosk,
 * passback) is refused with no byte reaching the board.
 */

const on = Buffer.from([0xa0, 0x01, 0x01, 0xa2]);
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
const everyDay = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as ('mon' | 'tue')[];
/** A daily window (UTC) from an hour ago to an hour from now. */
const openNow = () => [
  { days: everyDay, start: hhmm(Date.now() - 3600_000), end: hhmm(Date.now() + 3600_000) },
];

describe.skipIf(skipWithout('../shared/faces and socat', hasSharedFaces && hasSocat))(
  'kiosk PIN, badge, duress, lockout and anti-passback through the service (needs ../shared/faces, socat)',
  () => {
    let h: Harness;
    let pty: PtyPair;
    let board: RelayBoardSimulator;
    let katyId: number;
    let omarId: number;
    const katy = () => identityPhotos().filter((p) => p.identity === 'katy');
    /** Whether the board saw an ON command since byte offset `from`. */
    const openedSince = async (from: number) => {
      await new Promise((r) => setTimeout(r, 300));
      return board.bytes().subarray(from).includes(on);
    };
    const present = (input: { pin?: string; badge?: string }, session = h.kiosk) =>
      h.call('credentials.present', input, session) as Promise<AccessDecision>;

    beforeAll(async () => {
      h = await startService();
      pty = await createPtyPair();
      board = await RelayBoardSimulator.attach(pty.boardPath, { protocol: 'lcus' });
      await h.call('settings.set', {
        patch: {
          door: { enabled: true, pulseSeconds: 0.3, relay: { driver: 'lcus', port: pty.devicePath } },
          liveness: { requiredForDoor: false },
          attendance: { timeZone: 'UTC', debounceMinutes: 0 },
        },
      });
      katyId = (await h.call('people.create', { name: 'Katy' })).id;
      const enrolled = await h.call('enrol.fromPhoto', {
        personId: katyId,
        fileName: katy()[0].file,
        data: readFileSync(katy()[0].path),
      });
      expect(enrolled.accepted, enrolled.message).toBe(true);
      omarId = (await h.call('people.create', { name: 'Omar' })).id;
      const night = await h.call('schedules.save', {
        name: 'Night',
        windows: openNow().map((w) => ({ ...w, mode: 'face_and_pin' as const })),
      });
      const group = await h.call('groups.save', { name: 'Night staff', scheduleId: night.id });
      await h.call('access.setPerson', { personId: katyId, groupIds: [group.id] });
      await h.call('people.setCredentials', { personId: katyId, pin: '4711', duressPin: '4712' });
    });
    afterEach(async () => {
      await new Promise((r) => setTimeout(r, 500));
    });
    afterAll(async () => {
      await h?.close();
      await board?.close();
      await disposeAllPtyPairs();
    });

    it('stores PINs as hashes: admin sees only whether they are set; two people cannot share a PIN', async () => {
      expect(await h.call('people.credentials', { personId: katyId })).toEqual({
        personId: katyId,
        pin: true,
        duressPin: true,
        badge: null,
      });
      const raw = readFileSync(h.databasePath).toString('latin1');
      expect(raw.includes('4711')).toBe(false);
      await rejectsWith(h.call('people.setCredentials', { personId: omarId, pin: '4711' }), 'CONFLICT');
      await rejectsWith(h.call('people.setCredentials', { personId: omarId, pin: '4712' }), 'CONFLICT');
      await rejectsWith(h.call('people.setCredentials', { personId: omarId, pin: '12' }), 'INVALID_INPUT');
      await h.call('people.setCredentials', { personId: omarId, pin: '2580', badge: '0012345678' });
      expect(await h.call('kiosk.config', {}, h.kiosk)).toMatchObject({ pinPad: true });
    });

    it('face and PIN window: the face alone asks for the PIN (no relay bytes); the PIN then opens the door', async () => {
      const before = board.bytes().length;
      const decision = await decide(h, await photoFrame(katy()[1].path));
      expect(decision).toMatchObject({
        kind: 'denied',
        reason: 'pin_required',
        doorOpened: false,
        rule: { code: 'pin_required', allowed: false },
      });
      expect(await openedSince(before)).toBe(false);

      // Someone else's valid PIN after Katy's face is not Katy's second factor (nor lets its owner in).
      expect(await present({ pin: '2580' })).toMatchObject({
        kind: 'denied',
        reason: 'wrong_pin',
        person: null,
      });
      expect(await openedSince(before)).toBe(false);
      const since = Date.now();
      const granted = await present({ pin: '4711' });
      expect(granted).toMatchObject({
        kind: 'granted',
        reason: 'face_and_pin_accepted',
        person: { id: katyId, name: 'Katy' },
        doorOpened: true,
      });
      await board.waitForBytes(on, { since, timeoutMs: 3000 });
      const { events } = await h.call('events.query', { personId: katyId });
      expect(events[0].note).toBe('group Night staff, Night schedule; by face and PIN');
    });

    it('in a face and PIN window the PIN alone is refused: the rule wants the face too', async () => {
      const before = board.bytes().length;
      const decision = await present({ pin: '4711' });
      expect(decision).toMatchObject({
        kind: 'denied',
        reason: 'not_allowed',
        rule: { code: 'face_required' },
      });
      expect(await openedSince(before)).toBe(false);
    });

    it('a badge identifies its person; with no group the rules accept it alone', async () => {
      const since = Date.now();
      const decision = await present({ badge: '0012345678' });
      expect(decision).toMatchObject({ kind: 'granted', reason: 'pin_accepted', person: { name: 'Omar' } });
      await board.waitForBytes(on, { since, timeoutMs: 3000 });
      const before = board.bytes().length;
      expect(await present({ badge: '99999999' })).toMatchObject({
        kind: 'denied',
        reason: 'unknown_credential',
      });
      expect(await openedSince(before)).toBe(false);
    });

    it('a duress PIN opens the door as usual, raises a silent duress alarm, and the kiosk cannot tell', async () => {
      // Omar's duress PIN (no group: a PIN alone is accepted).
      await h.call('people.setCredentials', { personId: omarId, duressPin: '0000' });
      const from = h.events.length;
      const since = Date.now();
      const duress = await present({ pin: '0000' });
      await board.waitForBytes(on, { since, timeoutMs: 3000 });
      await new Promise((r) => setTimeout(r, 600));
      const normal = await present({ pin: '2580' });
      // The kiosk's answer is the same as for the real PIN.
      const strip = (d: AccessDecision) => ({ ...d, at: '', attendance: null });
      expect(strip(duress)).toEqual(strip(normal));
      const alarm = await h.next('alarm.raised', (a) => a.kind === 'duress', { from });
      expect(alarm).toMatchObject({ kind: 'duress', person: { id: omarId, name: 'Omar' } });
      expect((await h.call('alarms.list')).alarms.some((a) => a.kind === 'duress')).toBe(true);
      // Alarms reach admin sessions only, never a kiosk.
      expect(h.service.mayReceive('alarm.raised', h.kiosk)).toBe(false);
      expect(h.service.mayReceive('alarms.changed', h.kiosk)).toBe(false);
      const { events } = await h.call('events.query', { personId: omarId });
      expect(events.some((e) => e.note?.includes('(duress PIN)'))).toBe(true);
    });

    it('anti-passback: in at the entry, refused at the entry again until out at the exit; admin reset', async () => {
      await h.call('settings.set', { patch: { door: { antiPassback: true, exitKiosks: ['Exit'] } } });
      const { code } = await h.call('pairing.create', { name: 'Exit' });
      const exit = h.service.openSession('exit-kiosk');
      await h.call('pairing.redeem', { code }, exit);
      expect(await present({ pin: '2580' })).toMatchObject({ kind: 'granted' });
      await new Promise((r) => setTimeout(r, 500));
      const before = board.bytes().length;
      expect(await present({ pin: '2580' })).toMatchObject({
        kind: 'denied',
        rule: { code: 'passback' },
        doorOpened: false,
      });
      expect(await openedSince(before)).toBe(false);
      expect(await present({ pin: '2580' }, exit)).toMatchObject({ kind: 'granted' });
      expect(await present({ pin: '2580' })).toMatchObject({ kind: 'granted' });
      expect(await present({ pin: '2580' })).toMatchObject({ kind: 'denied', rule: { code: 'passback' } });
      expect(await h.call('passback.reset', { personId: omarId })).toEqual({ reset: 1 });
      expect(await present({ pin: '2580' })).toMatchObject({ kind: 'granted' });
      await h.call('settings.set', { patch: { door: { antiPassback: false } } });
    });

    it('a PIN from a connection that is not a paired kiosk is refused, nothing reaches the board', async () => {
      const stranger = h.service.openSession('ws:203.0.113.9:5555');
      const before = board.bytes().length;
      await rejectsWith(present({ pin: '2580' }, stranger), 'UNAUTHORIZED');
      await rejectsWith(present({ badge: '0012345678' }, stranger), 'UNAUTHORIZED');
      expect(await openedSince(before)).toBe(false);
      // A viewer account cannot read or set credentials either.
      await h.call('accounts.create', { name: 'vera', role: 'viewer', secret: '135792' });
      const vera = h.service.openSession('vera');
      await h.call('admin.login', { account: 'vera', pin: '135792' }, vera);
      await rejectsWith(
        h.call('people.setCredentials', { personId: omarId, pin: '9999' }, vera),
        'UNAUTHORIZED',
      );
      await rejectsWith(h.call('people.credentials', { personId: omarId }, vera), 'UNAUTHORIZED');
    });

    it('PIN brute force after a face: the person’s PIN locks after 5 wrong ones, then even the right one is refused', async () => {
      // Katy's face (face and PIN window) waits for her PIN; the guesser types PINs.
      const decision = await decide(h, await photoFrame(katy()[2].path));
      expect(decision).toMatchObject({ reason: 'pin_required' });
      const before = board.bytes().length;
      const answers: string[] = [];
      for (const guess of ['0001', '0002', '0003', '0004', '0005', '4711']) {
        answers.push(String((await present({ pin: guess })).reason));
      }
      expect(answers).toEqual([
        'wrong_pin',
        'wrong_pin',
        'wrong_pin',
        'wrong_pin',
        'wrong_pin',
        'locked_out',
      ]);
      expect(await openedSince(before)).toBe(false);
    });

    it('PIN brute force alone: parallel guesses from one kiosk lock it after 5 and the right PIN is then refused', async () => {
      const before = board.bytes().length;
      const guesses = Array.from({ length: 12 }, (_, i) => String(100000 + i));
      const answers = await Promise.all(guesses.map((pin) => present({ pin })));
      expect(answers.filter((a) => a.reason === 'unknown_credential')).toHaveLength(5);
      expect(answers.filter((a) => a.reason === 'locked_out')).toHaveLength(7);
      expect(await present({ pin: '2580' })).toMatchObject({ kind: 'denied', reason: 'locked_out' });
      expect(await openedSince(before)).toBe(false);
      // The lock is per credential: the same person's badge still works.
      expect(await present({ badge: '0012345678' })).toMatchObject({ kind: 'granted' });
      // The refusals are in the access log (anonymous ones merge within the debounce, like unknown faces).
      const { events } = await h.call('events.query', { kinds: ['denied'] });
      expect(events.some((e) => e.person === null && /wrong PIN|unknown badge/.test(e.note ?? ''))).toBe(
        true,
      );
    });
  },
);
