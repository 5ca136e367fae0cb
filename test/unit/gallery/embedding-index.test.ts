import { describe, expect, it } from 'vitest';
import { EmbeddingIndex, type SearchHit } from '../../../src/core/gallery/matcher/embedding-index';
import { decide } from '../../../src/core/gallery/matcher/decide';
import { isFaceGateError } from '../../../src/core/errors';
import { nearby, randomUnitVector, seededRandom } from './random-embeddings';

interface Row {
  templateId: number;
  personId: number;
  vector: Float32Array;
}

/** The reference answer: a full float64 scan, best template per person. */
function bruteForce(rows: Row[], query: Float32Array, k: number): SearchHit[] {
  const best = new Map<number, SearchHit>();
  for (const row of rows) {
    let score = 0;
    for (let i = 0; i < query.length; i++) score += row.vector[i] * query[i];
    const current = best.get(row.personId);
    if (!current || score > current.score)
      best.set(row.personId, { personId: row.personId, templateId: row.templateId, score });
  }
  return [...best.values()].sort((a, b) => b.score - a.score || a.personId - b.personId).slice(0, k);
}

function buildRows(people: number, perPerson: number, dim: number, seed: number): Row[] {
  const random = seededRandom(seed);
  const rows: Row[] = [];
  let templateId = 1;
  for (let p = 1; p <= people; p++) {
    const centre = randomUnitVector(dim, random);
    for (let t = 0; t < perPerson; t++)
      rows.push({ templateId: templateId++, personId: p, vector: nearby(centre, 0.75, random) });
  }
  return rows;
}

describe.each(['auto', 'js'] as const)('EmbeddingIndex (%s kernel)', (kernel) => {
  for (const dim of [128, 512, 37]) {
    it(`returns exactly the float top-k people of a full scan (${dim}-d)`, () => {
      const rows = buildRows(300, 4, dim, dim);
      const index = new EmbeddingIndex(dim, { kernel, initialCapacity: 16 });
      for (const row of rows) index.add(row.templateId, row.personId, row.vector);
      expect(index.size).toBe(1200);
      expect(index.personCount).toBe(300);
      const random = seededRandom(dim + 1);
      for (let i = 0; i < 40; i++) {
        // Half the queries are near an enrolled person, half are strangers.
        const query =
          i % 2 === 0
            ? nearby(rows[(i * 37) % rows.length].vector, 0.8, random)
            : randomUnitVector(dim, random);
        const expected = bruteForce(rows, query, 5);
        const got = index.search(query, 5);
        expect(got.map((h) => [h.personId, h.templateId])).toEqual(
          expected.map((h) => [h.personId, h.templateId]),
        );
        got.forEach((hit, j) => expect(hit.score).toBeCloseTo(expected[j].score, 5));
      }
    });
  }

  it('keeps results right after removals, replacements and person deletion', () => {
    const dim = 64;
    const rows = buildRows(50, 3, dim, 7);
    const index = new EmbeddingIndex(dim, { kernel });
    for (const row of rows) index.add(row.templateId, row.personId, row.vector);
    const random = seededRandom(8);
    // Remove every third template, delete person 10, move template 5 to another vector.
    let live = rows.filter((r) => r.templateId % 3 !== 0 && r.personId !== 10);
    for (const row of rows) if (row.templateId % 3 === 0) expect(index.remove(row.templateId)).toBe(true);
    expect(index.removePerson(10)).toBe(
      rows.filter((r) => r.personId === 10 && r.templateId % 3 !== 0).length,
    );
    const moved = { ...live.find((r) => r.templateId === 5)!, vector: randomUnitVector(dim, random) };
    index.add(moved.templateId, moved.personId, moved.vector);
    live = live.map((r) => (r.templateId === 5 ? moved : r));
    expect(index.size).toBe(live.length);
    expect(index.personCount).toBe(49);
    expect(index.remove(999_999)).toBe(false);
    for (let i = 0; i < 20; i++) {
      const query = nearby(live[(i * 11) % live.length].vector, 0.9, random);
      expect(index.search(query, 3).map((h) => h.templateId)).toEqual(
        bruteForce(live, query, 3).map((h) => h.templateId),
      );
    }
    expect(index.search(moved.vector, 1)[0]).toMatchObject({ templateId: 5, personId: moved.personId });
    expect(index.search(rows.find((r) => r.personId === 10)!.vector, 50).some((h) => h.personId === 10)).toBe(
      false,
    );
  });

  it('scores a person by their best template and never lists a person twice', () => {
    const random = seededRandom(3);
    const base = randomUnitVector(32, random);
    const index = new EmbeddingIndex(32, { kernel });
    index.add(1, 1, nearby(base, 0.5, random));
    index.add(2, 1, nearby(base, 0.9, random));
    index.add(3, 2, nearby(base, 0.7, random));
    const hits = index.search(base, 10);
    expect(hits.map((h) => h.personId)).toEqual([1, 2]);
    expect(hits[0].templateId).toBe(2);
    expect(hits[0].score).toBeCloseTo(0.9, 3);
  });
});

describe('EmbeddingIndex input checks', () => {
  it('refuses an embedding of another size, naming re-embedding as the fix', () => {
    const index = new EmbeddingIndex(128);
    try {
      index.add(1, 1, new Float32Array(512).fill(1));
      expect.unreachable();
    } catch (error) {
      expect(isFaceGateError(error, 'INVALID_INPUT')).toBe(true);
      expect((error as Error).message).toContain('reembed');
    }
    expect(() => index.search(new Float32Array(64).fill(1))).toThrow(/size 64/);
    expect(() => index.add(1, 1, new Float32Array(128))).toThrow(/all zeros/);
  });

  it('answers an empty index with no candidates', () => {
    expect(new EmbeddingIndex(16).search(new Float32Array(16).fill(1), 5)).toEqual([]);
  });

  it('uses the WebAssembly SIMD kernel on this runtime', () => {
    expect(new EmbeddingIndex(128).kernelKind).toBe('wasm-simd');
  });
});

describe('decide', () => {
  const hit = (personId: number, score: number): SearchHit => ({
    personId,
    templateId: personId * 10,
    score,
  });
  const rule = { threshold: 0.4, margin: 0.05 };

  it('names the best person when above threshold and clearly ahead', () => {
    expect(decide([hit(1, 0.7), hit(2, 0.3)], rule)).toMatchObject({
      decision: 'known',
      best: { personId: 1 },
    });
    expect(decide([hit(1, 0.45)], rule)).toMatchObject({ decision: 'known' });
  });

  it('answers unknown below the threshold, when two people are too close, or with no gallery', () => {
    expect(decide([hit(1, 0.39), hit(2, 0.1)], rule)).toMatchObject({
      decision: 'unknown',
      reason: 'below_threshold',
    });
    expect(decide([hit(1, 0.62), hit(2, 0.6)], rule)).toMatchObject({
      decision: 'unknown',
      reason: 'ambiguous',
    });
    expect(decide([], rule)).toMatchObject({ decision: 'unknown', reason: 'empty_gallery' });
  });
});
