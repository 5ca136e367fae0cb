import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantScopes } from '../../../src/core/integrations';
import { skipWithout } from '../../helpers/fixtures';
import { hasSharedFaces, identityPhotos } from '../../helpers/paths';
import { decide, photoFrame, startService, type Harness } from './service-harness';

/**
 * Event snapshots (issue 14) through the real service: the face crop kept at a decision, not for
 * strangers unless the setting says so, readable by administrators only (never by a viewer or a
 * kiosk), gone from the database file when the person is erased even if their events are kept,
 * and erased by the retention setting.
 */

/** The policy forgets a person 1.5 s after their last frame: the next frames are a new visit. */
const leave = () => new Promise((r) => setTimeout(r, 1700));

async function snapshotOf(h: Harness, eventId: number): Promise<Uint8Array | null> {
  // Stored off the frame request: give it a moment.
  for (let i = 0; i < 50; i++) {
    const kept = await h.call('events.snapshot', { id: eventId });
    if (kept) return kept.data;
    await new Promise((r) => setTimeout(r, 50));
  }
  return null;
}

describe.skipIf(skipWithout('../shared/faces', hasSharedFaces))('event snapshots through the service', () => {
  let h: Harness;
  let personId: number;
  let katyEvent: number;
  let katyJpeg: Uint8Array;

  beforeAll(async () => {
    h = await startService();
    await h.call('settings.set', {
      patch: {
        liveness: { requiredForDoor: false },
        access: { cooldownSeconds: 0 },
        attendance: { debounceMinutes: 0, anonymousDebounceSeconds: 0, erasure: 'anonymise' },
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
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  it('keeps a small JPEG of the face at a decision about a known person', async () => {
    const katy = identityPhotos().filter((p) => p.identity === 'katy');
    const decision = await decide(h, await photoFrame(katy[1].path));
    expect(decision).toMatchObject({ kind: 'granted', attendance: { kind: 'check_in' } });
    katyEvent = decision!.attendance!.eventId;
    const jpeg = await snapshotOf(h, katyEvent);
    expect(jpeg, 'a snapshot was kept').not.toBeNull();
    katyJpeg = jpeg!;
    const meta = await sharp(katyJpeg).metadata();
    expect(meta.format).toBe('jpeg');
    expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(160);
    expect(katyJpeg.byteLength).toBeLessThan(20_000);
    expect((await h.call('events.snapshotIds', { ids: [katyEvent, katyEvent + 1000] })).ids).toEqual([
      katyEvent,
    ]);
    await leave();
  });

  it('keeps no stranger’s face by default, and does once the setting allows it', async () => {
    const stranger = await photoFrame(identityPhotos().find((p) => p.identity === 'matt')!.path);
    const first = await decide(h, stranger);
    expect(first).toMatchObject({ kind: 'unknown', attendance: { kind: 'unknown' } });
    await new Promise((r) => setTimeout(r, 500));
    expect(await h.call('events.snapshot', { id: first!.attendance!.eventId })).toBeNull();
    await leave();
    await h.call('settings.set', { patch: { snapshots: { strangers: true } } });
    const second = await decide(h, stranger);
    expect(second).toMatchObject({ kind: 'unknown', attendance: { kind: 'unknown' } });
    expect(await snapshotOf(h, second!.attendance!.eventId)).not.toBeNull();
    await leave();
  });

  it('a viewer, an enroller, a kiosk and an API key cannot read face crops', async () => {
    await h.call('accounts.create', { name: 'vera', role: 'viewer', secret: '135792' });
    await h.call('accounts.create', { name: 'enzo', role: 'enroller', secret: '246802' });
    const vera = h.service.openSession('vera-session');
    const enzo = h.service.openSession('enzo-session');
    await h.call('admin.login', { account: 'vera', pin: '135792' }, vera);
    await h.call('admin.login', { account: 'enzo', pin: '246802' }, enzo);
    // The viewer reads the log itself ...
    expect((await h.call('events.query', {}, vera)).total).toBeGreaterThan(0);
    // ... but no face in it; nor does a REST API key with every scope.
    const apiKey = grantScopes(h.service.openSession('api key'), [
      'attendance:read',
      'people:manage',
      'door:open',
    ]);
    for (const session of [vera, enzo, h.kiosk, apiKey]) {
      await expect(h.call('events.snapshot', { id: katyEvent }, session)).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
      });
      await expect(h.call('events.snapshotIds', { ids: [katyEvent] }, session)).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
      });
    }
  });

  it('erasing the person erases their snapshots, even when their events are kept without a name', async () => {
    const erased = await h.call('people.delete', { id: personId });
    expect(erased).toMatchObject({ events: 'anonymised' });
    const { events } = await h.call('events.query', { kinds: ['check_in'] });
    expect(events.some((e) => e.id === katyEvent && e.person === null)).toBe(true);
    expect(await h.call('events.snapshot', { id: katyEvent })).toBeNull();
    // Nor do the bytes survive in the database files (secure_delete, then a checkpoint).
    const file = Buffer.concat([readFileSync(h.databasePath), readWal(h.databasePath)]);
    const probe = Buffer.from(katyJpeg.subarray(200, 264));
    expect(file.includes(probe)).toBe(false);
  });

  it('the retention setting erases kept snapshots (0 days: none are kept)', async () => {
    const { events } = await h.call('events.query', { kinds: ['unknown'] });
    const ids = events.map((e) => e.id);
    expect((await h.call('events.snapshotIds', { ids })).ids.length).toBeGreaterThan(0);
    await h.call('settings.set', { patch: { snapshots: { keepDays: 0 } } });
    expect((await h.call('events.snapshotIds', { ids })).ids).toEqual([]);
  });
});

function readWal(databasePath: string): Buffer {
  try {
    return readFileSync(`${databasePath}-wal`);
  } catch {
    return Buffer.alloc(0);
  }
}
