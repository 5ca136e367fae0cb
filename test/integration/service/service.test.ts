import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { implementedCalls } from '../../../src/core/service/service';
import { callNames } from '../../../src/shared/contract';
import { facesDir, hasSharedFaces, identityPhotos } from '../../helpers/paths';
import { blankFrame, rgbaFrameFromPhoto, withSensorNoise } from './camera-frames';
import { startService, type Harness } from './service-harness';
import { skipWithout } from '../../helpers/fixtures';

const byIdentity = (name: string) => identityPhotos().filter((p) => p.identity === name);

it('implements every call of the contract', () => {
  expect([...implementedCalls].sort()).toEqual([...callNames].sort());
});

describe.skipIf(skipWithout('../shared/faces', hasSharedFaces))(
  'the service through direct calls (needs ../shared/faces)',
  () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startService();
    });
    afterAll(async () => {
      await h?.close();
    });

    it('reports every part of the status, models loaded, door disabled', async () => {
      const status = await h.call('status.get', undefined, h.kiosk);
      expect(status.models.state).toBe('ready');
      expect(status.models.pack).toBeTruthy();
      expect(status.database).toMatchObject({ state: 'ready', path: h.databasePath, people: 0 });
      expect(status.relay.state).toBe('disabled');
      expect(['ready', 'unavailable']).toContain(status.liveness.state);
    });

    it('refuses admin calls from a session without the PIN, whatever the input', async () => {
      await expect(h.call('people.list', {}, h.kiosk)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      await expect(h.call('settings.set', { patch: {} }, h.kiosk)).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
      });
      await expect(h.call('door.open', {}, h.kiosk)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      // The PIN check comes before input parsing: a stranger learns nothing about the schema.
      await expect(h.service.call('people.get', { bogus: 1 }, h.kiosk)).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
      });
    });

    it('parses every input with the contract and names the call and the field', async () => {
      await expect(h.service.call('people.get', { id: 'seven' }, h.admin)).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        message: expect.stringMatching(/people\.get.*id/),
      });
      await expect(h.service.call('no.such', {}, h.admin)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      await expect(
        h.service.call(
          'frames.submit',
          { width: 640, height: 480, data: new Uint8Array(10), timestamp: 0 },
          h.kiosk,
        ),
      ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    });

    it('creates, finds, updates people and pushes the change to admin listeners', async () => {
      const ada = await h.call('people.create', { name: 'Ada Example', employeeCode: 'E1', group: 'Staff' });
      expect(ada).toMatchObject({ name: 'Ada Example', active: true, templateCount: 0 });
      await h.next('people.changed', (p) => p.id === ada.id && p.change === 'created');
      const found = await h.call('people.list', { search: 'ada' });
      expect(found.total).toBe(1);
      const renamed = await h.call('people.update', { id: ada.id, notes: 'front desk' });
      expect(renamed.notes).toBe('front desk');
      await expect(h.call('people.create', { name: 'Other', employeeCode: 'E1' })).rejects.toMatchObject({
        code: 'CONFLICT',
      });
    });

    it('enrols from photo bytes, refuses an unreadable file as a result, and serves a thumbnail', async () => {
      const photos = byIdentity('angelina');
      const person = await h.call('people.create', { name: 'Angelina' });
      const ok = await h.call('enrol.fromPhoto', {
        personId: person.id,
        fileName: photos[0].file,
        data: readFileSync(photos[0].path),
      });
      expect(ok.accepted, ok.message).toBe(true);
      expect(ok.template?.source).toBe('photo');
      const broken = await h.call('enrol.fromPhoto', {
        personId: person.id,
        fileName: 'broken.jpg',
        data: new Uint8Array([0xff, 0xd8, 0x00]),
      });
      expect(broken.accepted).toBe(false);
      expect(broken.quality.issues[0].code).toBe('unreadable');
      const thumb = await h.call('people.thumbnail', { id: person.id });
      expect(thumb?.mime).toBe('image/jpeg');
      expect(thumb?.data[0]).toBe(0xff);
      const { templates } = await h.call('people.get', { id: person.id });
      expect(templates).toHaveLength(1);
    });

    it('gives live quality guidance for a frame without storing anything', async () => {
      const report = await h.call('enrol.check', { frame: { ...blankFrame(), timestamp: 1 } });
      expect(report.ok).toBe(false);
      expect(report.issues.map((i) => i.code)).toEqual(['no_face']);
      const frame = await rgbaFrameFromPhoto(byIdentity('katy')[0].path);
      const good = await h.call('enrol.check', { frame: { ...frame, timestamp: 2 } });
      expect(good.faceCount).toBeGreaterThanOrEqual(1);
      expect(good.face).not.toBeNull();
    });

    it('drops frames that arrive while one is in flight, and counts them', async () => {
      const frames = await Promise.all([0, 1, 2].map(() => rgbaFrameFromPhoto(byIdentity('katy')[1].path)));
      const results = await Promise.all(
        frames.map((f, i) => h.call('frames.submit', { ...f, timestamp: i }, h.kiosk)),
      );
      expect(results[0].status).toBe('processed');
      expect(results.slice(1).map((r) => r.status)).toEqual(['dropped', 'dropped']);
      expect(results[1]).toMatchObject({ reason: 'busy', timestamp: 1 });
      const status = await h.call('status.get', undefined, h.kiosk);
      expect(status.camera.framesDropped).toBeGreaterThanOrEqual(2);
    });

    it('recognises an enrolled person over several frames and logs the check-in', async () => {
      // Liveness is judged by its own tests; ordinary photos are photos of photos, so it is off here.
      await h.call('settings.set', { patch: { liveness: { requiredForDoor: false } } });
      const photos = byIdentity('angelina');
      const frame = await rgbaFrameFromPhoto(photos[1].path);
      let decision = null;
      for (let i = 0; i < 8 && !decision; i++) {
        const result = await h.call(
          'frames.submit',
          { ...frame, data: withSensorNoise(frame.data, i), timestamp: i },
          h.kiosk,
        );
        expect(result.status).toBe('processed');
        if (result.status === 'processed') {
          expect(result.faces[0].person?.name).toBe('Angelina');
          decision = result.decision;
        }
      }
      // The frame's result does not wait for the database: the event with its id carries the write.
      expect(decision).toMatchObject({ kind: 'granted', person: { name: 'Angelina' }, doorOpened: false });
      expect(decision?.attendance).toBeNull();
      const pushed = await h.next('access.decision', (d) => d.id === decision?.id);
      expect(pushed.person?.name).toBe('Angelina');
      expect(pushed.attendance?.kind).toBe('check_in');
      const { events } = await h.call('events.query', { kinds: ['check_in'] });
      expect(events[0]).toMatchObject({ kind: 'check_in', person: { name: 'Angelina' } });
      const csv = await h.call('events.exportCsv', {});
      expect(csv.csv).toContain('Angelina');
      expect(csv.fileName).toMatch(/\.csv$/);
      const today = new Date().toISOString().slice(0, 10);
      const report = await h.call('reports.daily', { from: today, to: today });
      expect(report.rows.some((r) => r.person.name === 'Angelina')).toBe(true);
    });

    it('calls a person who is not enrolled unknown', async () => {
      const stranger = byIdentity('leonardo')[0];
      const frame = await rgbaFrameFromPhoto(path.join(facesDir, stranger.file));
      let decision = null;
      for (let i = 0; i < 8 && !decision; i++) {
        const result = await h.call(
          'frames.submit',
          { ...frame, data: withSensorNoise(frame.data, i), timestamp: i },
          h.kiosk,
        );
        if (result.status === 'processed') decision = result.decision;
      }
      expect(decision).toMatchObject({ kind: 'unknown', person: null, doorOpened: false });
    });

    it('validates settings as a whole, saves them, audits them and tells the kiosk', async () => {
      await expect(
        h.call('settings.set', { patch: { access: { framesToAgree: 9, frameWindow: 4 } } }),
      ).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('framesToAgree') });
      const saved = await h.call('settings.set', { patch: { kiosk: { sound: false } } });
      expect(saved.kiosk.sound).toBe(false);
      await h.next('settings.changed', (p) => p.sections.includes('kiosk'));
      expect((await h.call('kiosk.config', undefined, h.kiosk)).kiosk.sound).toBe(false);
      const audit = await h.call('audit.query', {});
      expect(audit.entries.some((e) => e.action === 'settings.set')).toBe(true);
    });

    it('refuses a model pack that is not on this machine before saving it', async () => {
      await expect(
        h.call('settings.set', { patch: { recognition: { pack: 'no-such-pack' } } }),
      ).rejects.toMatchObject({ code: 'PACK_NOT_FOUND' });
      expect((await h.call('settings.get')).recognition.pack).toBeNull();
      expect((await h.call('status.get', undefined, h.kiosk)).models.state).toBe('ready');
    });

    it('refuses a manual door open while the door is disabled', async () => {
      await expect(h.call('door.open', {})).rejects.toMatchObject({ code: 'DOOR' });
      expect(await h.call('door.status')).toEqual({ enabled: false, status: null });
    });

    it('erases a person and their faces', async () => {
      const { people } = await h.call('people.list', { search: 'Angelina' });
      const result = await h.call('people.delete', { id: people[0].id });
      expect(result).toMatchObject({ id: people[0].id, templatesDeleted: 1, events: 'deleted' });
      await expect(h.call('people.get', { id: people[0].id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('lists the model packs and names the active one', async () => {
      const { packs } = await h.call('models.list');
      const active = await h.call('models.active');
      expect(packs.filter((p) => p.active).map((p) => p.id)).toEqual([active?.pack]);
      expect(active?.provider).toBe('cpu');
    });

    it('keeps admin events from sessions without a login', () => {
      expect(h.service.mayReceive('people.changed', h.kiosk)).toBe(false);
      expect(h.service.mayReceive('people.changed', h.admin)).toBe(true);
      expect(h.service.mayReceive('access.decision', h.kiosk)).toBe(true);
    });
  },
);
