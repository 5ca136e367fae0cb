import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isFaceGateError } from '../../../src/core/errors';
import { FaceGateDatabase } from '../../../src/core/gallery/database';
import { Gallery } from '../../../src/core/gallery/gallery';
import { migrations } from '../../../src/core/gallery/migrations';
import { decide, lookalikeMargin } from '../../../src/core/gallery/matcher/decide';
import type { ModelRef } from '../../../src/core/gallery/template-repository';

/**
 * "Different people" (issue 11 item 4): an administrator confirms that two look-alike people are
 * different; the confirmation is stored in the gallery's SQLite file and the live decision then lets
 * either of them in only when they lead the other by the look-alike margin (0.19, measured on the
 * dev sets' hardest impostor pairs, docs/gallery.md). Without it, a probe of one whose look-alike
 * scores 0.08 higher is identified as the look-alike: the wrong person at the door.
 */
const model: ModelRef = { modelId: 'test-embedder', modelSha256: 'c'.repeat(64) };
const rule = { threshold: 0.4, margin: 0.05 };
const dim = 128;

/** A unit vector with the given components on the first axes (the rest on the last axis). */
function vector(components: number[]): Float32Array {
  const v = new Float32Array(dim);
  let sum = 0;
  components.forEach((c, i) => {
    v[i] = c;
    sum += c * c;
  });
  if (sum > 1 + 1e-9) throw new Error('components longer than 1');
  v[dim - 1] = Math.sqrt(1 - sum);
  return v;
}

// Ana's template is axis 0; Bea looks like her (cosine 0.45); Carl and Dan are two unrelated people.
const look = 0.45;
const anaFace = vector([1]);
const beaFace = vector([look, Math.sqrt(1 - look * look)]);
const carlFace = vector([0, 0, 1]);
const danFace = vector([0, 0, 0.45, Math.sqrt(1 - 0.45 * 0.45)]);

/** A query scoring `ana` with Ana's template and `bea` with Bea's (and `other` on axis 2). */
function probe(ana: number, bea: number, other = 0): Float32Array {
  const y = (bea - look * ana) / Math.sqrt(1 - look * look);
  return vector([ana, y, other]);
}

let dir: string;
let file: string;
let gallery: Gallery;
const people: Record<'ana' | 'bea' | 'carl' | 'dan', number> = { ana: 0, bea: 0, carl: 0, dan: 0 };

function enrol(personId: number, embedding: Float32Array) {
  gallery.addTemplate(
    {
      personId,
      source: 'photo',
      sourceRef: 'synthetic.jpg',
      quality: {},
      cropJpeg: null,
      embedding: { ...model, vector: embedding },
    },
    'test',
  );
}

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-different-'));
  file = path.join(dir, 'facegate.db');
  gallery = Gallery.open(file);
  gallery.useModel(model);
  for (const [key, face] of [
    ['ana', anaFace],
    ['bea', beaFace],
    ['carl', carlFace],
    ['dan', danFace],
  ] as const) {
    people[key] = gallery.createPerson({ name: key }, 'test').id;
    enrol(people[key], face);
  }
});
afterEach(() => {
  gallery.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('"different people" confirmation', () => {
  it('keeps a confirmed look-alike pair apart by the measured margin', () => {
    // Ana at the desk, scoring 0.50 with her own template and 0.58 with Bea's.
    const ana = probe(0.5, 0.58);
    // Before the confirmation the plain margin (0.05) lets the look-alike in: the wrong person.
    expect(gallery.identify(ana, rule)).toMatchObject({ decision: 'known', person: { id: people.bea } });

    gallery.confirmDifferentPeople(people.ana, people.bea, 'admin', 0.45);
    expect(gallery.identify(ana, rule)).toMatchObject({
      decision: 'unknown',
      reason: 'ambiguous',
      person: null,
    });
    // Clearly Bea (leads Ana by 0.22 >= 0.19): still let in.
    expect(gallery.identify(probe(0.48, 0.7), rule)).toMatchObject({
      decision: 'known',
      person: { id: people.bea },
    });
    // Just short of the margin: not.
    expect(gallery.identify(probe(0.52, 0.7), rule).decision).toBe('unknown');
    // Other people keep the plain margin: Dan leads Carl by 0.08 and is let in.
    const danLike = vector([0, 0, 0.55, (0.63 - 0.45 * 0.55) / Math.sqrt(1 - 0.45 * 0.45)]);
    expect(gallery.identify(danLike, rule)).toMatchObject({ decision: 'known', person: { id: people.dan } });
  });

  it('compares with the look-alike even when they are not among the candidates searched', () => {
    gallery.confirmDifferentPeople(people.ana, people.bea, 'admin');
    // Ana 0.60, Carl 0.50, Bea 0.45: with k = 2 (the frame path) Bea is not a candidate, but Ana
    // leads her by only 0.15, under the look-alike margin.
    const query = probe(0.6, 0.45, 0.5);
    const result = gallery.identify(query, rule, 2);
    expect(result.candidates.map((c) => c.personId)).toEqual([people.ana, people.carl]);
    expect(result).toMatchObject({ decision: 'unknown', reason: 'ambiguous' });
  });

  it('is stored in the database: survives a reopen, reaches another connection, is audited and erased', () => {
    const other = Gallery.open(file);
    try {
      other.useModel(model);
      const ana = probe(0.5, 0.58);
      expect(other.identify(ana, rule).decision).toBe('known');
      // Confirmed through the first connection (the admin's), seen by the serving one at once.
      gallery.confirmDifferentPeople(people.bea, people.ana, 'admin', 0.45);
      expect(other.identify(ana, rule).decision).toBe('unknown');
      expect(other.differentPeople(people.ana)).toMatchObject([
        { personId: people.bea, name: 'bea', similarity: 0.45, confirmedBy: 'admin' },
      ]);
    } finally {
      other.close();
    }
    gallery.close();
    gallery = Gallery.open(file);
    gallery.useModel(model);
    expect(gallery.identify(probe(0.5, 0.58), rule).decision).toBe('unknown');
    const audit = gallery.db.sqlite
      .prepare(
        "SELECT person_id AS personId, details FROM audit_log WHERE action = 'people.different' ORDER BY id",
      )
      .all() as { personId: number; details: string }[];
    expect(audit.map((a) => a.personId).sort()).toEqual([people.ana, people.bea].sort());

    // Erasing Bea removes the pair with her and redacts her entry.
    gallery.erasePerson(people.bea, 'delete', 'admin');
    expect(gallery.differentPeople(people.ana)).toEqual([]);
    const rows = gallery.db.sqlite.prepare('SELECT COUNT(*) AS n FROM distinct_people').get() as {
      n: number;
    };
    expect(rows.n).toBe(0);
  });

  it('can be withdrawn, and refuses nonsense', () => {
    gallery.confirmDifferentPeople(people.ana, people.bea, 'admin');
    gallery.confirmDifferentPeople(people.ana, people.bea, 'admin'); // idempotent
    expect(gallery.differentPeople(people.bea)).toHaveLength(1);
    expect(gallery.withdrawDifferentPeople(people.bea, people.ana, 'admin')).toBe(true);
    expect(gallery.withdrawDifferentPeople(people.bea, people.ana, 'admin')).toBe(false);
    expect(gallery.identify(probe(0.5, 0.58), rule).decision).toBe('known');

    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return isFaceGateError(error) ? error.code : 'not a FaceGateError';
      }
      return 'no error';
    };
    expect(codeOf(() => gallery.confirmDifferentPeople(people.ana, people.ana, 'admin'))).toBe(
      'INVALID_INPUT',
    );
    expect(codeOf(() => gallery.confirmDifferentPeople(people.ana, 9999, 'admin'))).toBe('NOT_FOUND');
    expect(codeOf(() => gallery.confirmDifferentPeople(people.ana, people.bea, 'admin', Number.NaN))).toBe(
      'INVALID_INPUT',
    );
    expect(gallery.differentPeople(people.ana)).toEqual([]);
  });
});

describe('decide() with look-alikes', () => {
  const hit = (personId: number, score: number) => ({ personId, templateId: personId, score });
  const pairs = { partnersOf: (id: number) => (id === 1 ? [2] : id === 2 ? [1] : []), scoreOf: () => null };

  it('asks the look-alike margin only of a confirmed pair, and takes an explicit one', () => {
    expect(lookalikeMargin).toBeGreaterThan(rule.margin);
    expect(decide([hit(1, 0.7), hit(2, 0.6)], rule, pairs).decision).toBe('unknown');
    expect(decide([hit(1, 0.8), hit(2, 0.6)], rule, pairs).decision).toBe('known');
    expect(decide([hit(3, 0.7), hit(4, 0.6)], rule, pairs).decision).toBe('known');
    expect(decide([hit(1, 0.7), hit(2, 0.6)], { ...rule, lookalikeMargin: 0.08 }, pairs).decision).toBe(
      'known',
    );
    // A partner without any template of the model cannot be confused with.
    expect(decide([hit(1, 0.7), hit(5, 0.6)], rule, pairs).decision).toBe('known');
  });
});

describe('a database of the schema before "different people"', () => {
  it('opened read-only (not migrated) still identifies, with no pairs', () => {
    const old = path.join(dir, 'v5.db');
    const before = FaceGateDatabase.open(old, { migrations: migrations.filter((m) => m.version <= 5) });
    before.close();
    const readOnly = Gallery.open(old, { readonly: true });
    try {
      expect(readOnly.db.schemaVersion).toBe(5);
      readOnly.useModel(model);
      expect(readOnly.identify(anaFace, rule).decision).toBe('unknown');
      expect(readOnly.differentPeople(1)).toEqual([]);
    } finally {
      readOnly.close();
    }
  });
});
