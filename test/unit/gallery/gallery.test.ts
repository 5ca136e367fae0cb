import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Attendance } from '../../../src/core/attendance/attendance';
import { isFaceGateError } from '../../../src/core/errors';
import { embeddingToBlob } from '../../../src/core/gallery/embedding-codec';
import { Gallery } from '../../../src/core/gallery/gallery';
import type { ModelRef } from '../../../src/core/gallery/template-repository';
import { nearby, randomUnitVector, seededRandom } from './random-embeddings';

const model: ModelRef = { modelId: 'test-embedder', modelSha256: 'b'.repeat(64) };
const rule = { threshold: 0.5, margin: 0.05 };

let dir: string;
let file: string;
let gallery: Gallery;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-gallery-'));
  file = path.join(dir, 'facegate.db');
  gallery = Gallery.open(file);
});
afterEach(() => {
  gallery.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Bytes that look like a JPEG crop and appear nowhere else. */
function fakeCrop(random: () => number): Buffer {
  const body = Buffer.from(Array.from({ length: 6000 }, () => Math.floor(random() * 256)));
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), body, Buffer.from([0xff, 0xd9])]);
}

function enrolSynthetic(personId: number, vector: Float32Array, crop: Buffer | null = null) {
  return gallery.addTemplate(
    {
      personId,
      source: 'photo',
      sourceRef: 'synthetic.jpg',
      quality: { sharpness: 100 },
      cropJpeg: crop,
      embedding: { ...model, vector },
    },
    'test',
  );
}

describe('Gallery', () => {
  it('identifies people by their best template, open-set, and keeps the index in step', () => {
    const random = seededRandom(11);
    const ada = gallery.createPerson({ name: 'Ada', employeeCode: 'E1' }, 'test');
    const bob = gallery.createPerson({ name: 'Bob' }, 'test');
    const adaFace = randomUnitVector(128, random);
    const bobFace = randomUnitVector(128, random);
    gallery.useModel(model);
    enrolSynthetic(ada.id, nearby(adaFace, 0.8, random));
    const bobTemplate = enrolSynthetic(bob.id, nearby(bobFace, 0.8, random));

    const known = gallery.identify(nearby(adaFace, 0.9, random), rule);
    expect(known).toMatchObject({ decision: 'known', person: { id: ada.id, name: 'Ada' }, reason: null });
    expect(known.candidates.map((c) => c.name)).toEqual(['Ada', 'Bob']);
    const stranger = gallery.identify(randomUnitVector(128, random), rule);
    expect(stranger).toMatchObject({ decision: 'unknown', person: null, reason: 'below_threshold' });

    expect(gallery.deleteTemplate(bob.id, bobTemplate.id, 'test')).toBe(true);
    expect(gallery.identify(nearby(bobFace, 0.9, random), rule).candidates.map((c) => c.name)).toEqual([
      'Ada',
    ]);
    expect(gallery.deleteTemplate(ada.id, bobTemplate.id, 'test')).toBe(false);
  });

  it('notices embeddings written by another connection and rebuilds its index', () => {
    const random = seededRandom(12);
    const ada = gallery.createPerson({ name: 'Ada' }, 'test');
    gallery.useModel(model);
    expect(gallery.identify(randomUnitVector(64, random), rule)).toMatchObject({
      decision: 'unknown',
      reason: 'empty_gallery',
    });
    const face = randomUnitVector(64, random);
    const other = Gallery.open(file);
    other.addTemplate(
      {
        personId: ada.id,
        source: 'camera',
        quality: {},
        cropJpeg: null,
        embedding: { ...model, vector: nearby(face, 0.8, random) },
      },
      'cli',
    );
    other.close();
    expect(gallery.identify(nearby(face, 0.9, random), rule)).toMatchObject({
      decision: 'known',
      person: { name: 'Ada' },
    });
  });

  it('keeps templates of another model file out of the index', () => {
    const random = seededRandom(13);
    const ada = gallery.createPerson({ name: 'Ada' }, 'test');
    const face = randomUnitVector(32, random);
    gallery.addTemplate(
      {
        personId: ada.id,
        source: 'photo',
        quality: {},
        cropJpeg: null,
        embedding: { ...model, modelSha256: 'c'.repeat(64), vector: face },
      },
      'test',
    );
    expect(gallery.useModel(model)).toEqual({ templates: 0, people: 0, staleTemplates: 1 });
    expect(gallery.templates.needingEmbedding(model)).toHaveLength(1);
  });

  it('audits creation, edits (before and after) and settings', () => {
    const ada = gallery.createPerson({ name: 'Ada', group: 'office' }, 'admin');
    gallery.updatePerson(ada.id, { group: 'lab', notes: 'badge 7' }, 'admin');
    gallery.setSetting('attendance', { mode: 'toggle' }, 'admin');
    const { entries } = gallery.audit.list({ order: 'oldest' });
    expect(entries.map((e) => e.action)).toEqual(['person.create', 'person.update', 'settings.set']);
    expect(entries[1]).toMatchObject({
      target: `person:${ada.id}`,
      details: { before: { group: 'office', notes: '' }, after: { group: 'lab', notes: 'badge 7' } },
    });
    expect(entries[2]).toMatchObject({
      target: 'setting:attendance',
      details: { before: null, after: { mode: 'toggle' } },
    });
    expect(gallery.settings.get('attendance')).toEqual({ mode: 'toggle' });
  });

  it('refuses a second person with the same employee code', () => {
    gallery.createPerson({ name: 'Ada', employeeCode: 'E1' }, 'test');
    try {
      gallery.createPerson({ name: 'Eve', employeeCode: 'E1' }, 'test');
      expect.unreachable();
    } catch (error) {
      expect(isFaceGateError(error, 'CONFLICT')).toBe(true);
      expect((error as Error).message).toContain('Ada');
    }
    expect(() => gallery.createPerson({ name: '   ' }, 'test')).toThrow(/name is required/);
  });
});

describe('erasure', () => {
  function fileBytes(): Buffer {
    return Buffer.concat(
      ['', '-wal', '-shm'].filter((s) => existsSync(file + s)).map((s) => readFileSync(file + s)),
    );
  }

  for (const policy of ['delete', 'anonymise'] as const) {
    it(`leaves no byte of an erased person's embeddings, crops or name in the database files (${policy})`, () => {
      const random = seededRandom(policy === 'delete' ? 21 : 22);
      const attendance = new Attendance(gallery.db, { timeZone: 'UTC', debounceMinutes: 0 });
      const keep = gallery.createPerson({ name: 'Keeper Person' }, 'admin');
      const gone = gallery.createPerson(
        { name: 'Zebulon Erasable', employeeCode: 'ZX-991', notes: 'allergic to cats' },
        'admin',
      );
      gallery.useModel(model);
      const goneVectors = [randomUnitVector(512, random), randomUnitVector(512, random)];
      const goneCrops = [fakeCrop(random), fakeCrop(random)];
      goneVectors.forEach((v, i) => enrolSynthetic(gone.id, v, goneCrops[i]));
      const keptCrop = fakeCrop(random);
      enrolSynthetic(keep.id, randomUnitVector(512, random), keptCrop);
      for (let i = 0; i < 3; i++)
        attendance.record({ outcome: 'recognised', personId: gone.id, at: Date.UTC(2024, 4, 10 + i, 8) });
      attendance.record({ outcome: 'recognised', personId: keep.id, at: Date.UTC(2024, 4, 10, 9) });
      gallery.updatePerson(gone.id, { notes: 'moved to the Zebulon annex' }, 'admin');

      const needles = [
        ...goneVectors.map((v) => embeddingToBlob(v).subarray(100, 164)),
        ...goneCrops.map((c) => c.subarray(2000, 2064)),
        Buffer.from('Zebulon'),
        Buffer.from('ZX-991'),
        Buffer.from('allergic'),
      ];
      const before = fileBytes();
      expect(needles.every((n) => before.includes(n))).toBe(true);

      const result = gallery.erasePerson(gone.id, policy, 'admin');
      expect(result).toMatchObject({
        templatesDeleted: 2,
        eventsAffected: 3,
        wiped: true,
        events: policy === 'delete' ? 'deleted' : 'anonymised',
      });

      const after = fileBytes();
      for (const needle of needles)
        expect(after.includes(needle), `found ${needle.subarray(0, 8).toString('hex')}`).toBe(false);
      // The other person is intact, and the log keeps what the policy says.
      expect(after.includes(keptCrop.subarray(2000, 2064))).toBe(true);
      expect(gallery.people.get(gone.id)).toBeUndefined();
      expect(gallery.index()?.personCount).toBe(1);
      const events = attendance.events().events;
      expect(events.filter((e) => e.person?.id === keep.id)).toHaveLength(1);
      expect(events.filter((e) => e.person === null)).toHaveLength(policy === 'delete' ? 0 : 3);
      const audit = gallery.audit.list({ personId: gone.id, order: 'oldest' }).entries;
      expect(audit.map((e) => e.action)).toEqual([
        'person.create',
        'template.add',
        'template.add',
        'person.update',
        'person.delete',
      ]);
      expect(audit.slice(0, 4).every((e) => JSON.stringify(e.details) === '{"redacted":true}')).toBe(true);
    });
  }

  it('refuses to erase someone who does not exist', () => {
    expect(() => gallery.erasePerson(999, 'delete', 'admin')).toThrow(/no person with id 999/);
  });
});
