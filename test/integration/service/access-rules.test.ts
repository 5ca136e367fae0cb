import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { skipWithout } from '../../helpers/fixtures';
import { hasSharedFaces, identityPhotos } from '../../helpers/paths';
import { RelayBoardSimulator } from '../../helpers/relay-board';
import { createPtyPair, disposeAllPtyPairs, hasSocat, type PtyPair } from '../../helpers/socat';
import { decide, photoFrame, startService, type Harness } from './service-harness';
import { rejectsWith } from '../../helpers/errors';

const on = Buffer.from([0xa0, 0x01, 0x01, 0xa2]);

const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
/** A daily window (UTC) around now, or one that starts two hours from now. */
function windowAround(now: number, open: boolean) {
  const start = open ? now - 3600_000 : now + 2 * 3600_000;
  return [
    {
      days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const,
      start: hhmm(start),
      end: hhmm(start + 2 * 3600_000 - (open ? 0 : 60_000)),
    },
  ].map((w) => ({ ...w, days: [...w.days] }));
}

describe.skipIf(skipWithout('../shared/faces and socat', hasSharedFaces && hasSocat))(
  'access rules and accounts through the service (needs ../shared/faces, socat)',
  () => {
    let h: Harness;
    let pty: PtyPair;
    let board: RelayBoardSimulator;
    let personId: number;
    const katy = () => identityPhotos().filter((p) => p.identity === 'katy');

    beforeAll(async () => {
      h = await startService();
      pty = await createPtyPair();
      board = await RelayBoardSimulator.attach(pty.boardPath, { protocol: 'lcus' });
      await h.call('settings.set', {
        patch: {
          door: { enabled: true, pulseSeconds: 0.5, relay: { driver: 'lcus', port: pty.devicePath } },
          liveness: { requiredForDoor: false },
          attendance: { timeZone: 'UTC' },
        },
      });
      personId = (await h.call('people.create', { name: 'Katy' })).id;
      const enrolled = await h.call('enrol.fromPhoto', {
        personId,
        fileName: katy()[0].file,
        data: readFileSync(katy()[0].path),
      });
      expect(enrolled.accepted, enrolled.message).toBe(true);
    });
    afterEach(async () => {
      await new Promise((r) => setTimeout(r, 1700));
    });
    afterAll(async () => {
      await h?.close();
      await board?.close();
      await disposeAllPtyPairs();
    });

    it('a known person outside their group schedule is "not allowed now": no relay bytes, the log names the rule', async () => {
      const schedule = await h.call('schedules.save', {
        name: 'Office hours',
        windows: windowAround(Date.now(), false),
      });
      const group = await h.call('groups.save', { name: 'Staff', scheduleId: schedule.id });
      await h.call('access.setPerson', { personId, groupIds: [group.id] });
      const before = board.bytes().length;
      const decision = await decide(h, await photoFrame(katy()[1].path));
      expect(decision).toMatchObject({
        kind: 'denied',
        reason: 'not_allowed',
        doorOpened: false,
        rule: { allowed: false, code: 'outside_schedule', schedule: 'Office hours' },
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(board.bytes().subarray(before).includes(on)).toBe(false);
      const { events } = await h.call('events.query', { personId, kinds: ['denied'] });
      expect(events[0]).toMatchObject({
        kind: 'denied',
        doorOpened: false,
        note: 'outside the Office hours schedule',
      });
    });

    it('inside the window the same person gets in, and the log says which rule let them', async () => {
      const { schedules } = await h.call('schedules.list');
      const office = schedules.find((s) => s.name === 'Office hours')!;
      await h.call('schedules.save', {
        id: office.id,
        name: office.name,
        windows: windowAround(Date.now(), true),
      });
      const since = Date.now();
      const decision = await decide(h, await photoFrame(katy()[2].path));
      expect(decision).toMatchObject({
        kind: 'granted',
        doorOpened: true,
        rule: { code: 'schedule', group: 'Staff' },
      });
      await board.waitForBytes(on, { since, timeoutMs: 3000 });
      const { events } = await h.call('events.query', { personId });
      expect(events[0].note).toBe('group Staff, Office hours schedule');
    });

    it('an expired pass refuses whatever the groups say', async () => {
      await h.call('access.setPerson', { personId, validUntil: new Date(Date.now() - 60_000).toISOString() });
      const state = await h.call('access.person', { personId });
      expect(state.now).toMatchObject({ allowed: false, code: 'expired' });
      const before = board.bytes().length;
      const decision = await decide(h, await photoFrame(katy()[1].path));
      expect(decision).toMatchObject({ kind: 'denied', doorOpened: false, rule: { code: 'expired' } });
      expect(board.bytes().subarray(before).includes(on)).toBe(false);
      await h.call('access.setPerson', { personId, validUntil: null });
    });

    it('a viewer reads the log but cannot open the door, change people or read face crops', async () => {
      await h.call('accounts.create', { name: 'vera', role: 'viewer', secret: '135792' });
      const vera = h.service.openSession('vera-session');
      expect((await h.call('admin.login', { account: 'vera', pin: '135792' }, vera)).account).toEqual({
        name: 'vera',
        role: 'viewer',
      });
      expect((await h.call('events.query', {}, vera)).total).toBeGreaterThan(0);
      const before = board.bytes().length;
      await rejectsWith(h.call('door.open', {}, vera), 'UNAUTHORIZED');
      await rejectsWith(h.call('people.thumbnail', { id: personId }, vera), 'UNAUTHORIZED');
      await rejectsWith(h.call('people.update', { id: personId, name: 'Mallory' }, vera), 'UNAUTHORIZED');
      await rejectsWith(
        h.call('settings.set', { patch: { door: { enabled: false } } }, vera),
        'UNAUTHORIZED',
      );
      await rejectsWith(
        h.call('accounts.create', { name: 'x', role: 'administrator', secret: '111111' }, vera),
        'UNAUTHORIZED',
      );
      await new Promise((r) => setTimeout(r, 300));
      expect(board.bytes().subarray(before).includes(on)).toBe(false);
    });

    it('an enroller manages people and faces, and the audit log names the account', async () => {
      await h.call('accounts.create', { name: 'enzo', role: 'enroller', secret: 'a long pass phrase' });
      const enzo = h.service.openSession('enzo-session');
      await h.call('admin.login', { account: 'enzo', pin: 'a long pass phrase' }, enzo);
      const person = await h.call('people.create', { name: 'New Starter' }, enzo);
      expect(await h.call('people.thumbnail', { id: personId }, enzo)).not.toBeNull();
      await rejectsWith(h.call('door.open', {}, enzo), 'UNAUTHORIZED');
      await rejectsWith(h.call('events.query', {}, enzo), 'UNAUTHORIZED');
      const audit = await h.call('audit.query', {});
      const entry = audit.entries.find(
        (e) => e.action === 'person.create' && e.target === `person:${person.id}`,
      );
      expect(entry?.actor).toBe('enzo (enzo-session)');
    });
  },
);
