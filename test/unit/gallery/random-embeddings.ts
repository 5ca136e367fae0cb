/** Deterministic random unit vectors for matcher tests (seeded mulberry32 + Box-Muller). */
export { seededRandom } from '../../../src/core/random';

export function randomUnitVector(dim: number, random: () => number): Float32Array {
  const v = new Float32Array(dim);
  let sum = 0;
  for (let i = 0; i < dim; i += 2) {
    const r = Math.sqrt(-2 * Math.log(random() + 1e-12));
    const theta = 2 * Math.PI * random();
    v[i] = r * Math.cos(theta);
    if (i + 1 < dim) v[i + 1] = r * Math.sin(theta);
  }
  for (let i = 0; i < dim; i++) sum += v[i] * v[i];
  const norm = Math.sqrt(sum);
  for (let i = 0; i < dim; i++) v[i] /= norm;
  return v;
}

/** A unit vector at roughly the given cosine similarity to `base`. */
export function nearby(base: Float32Array, similarity: number, random: () => number): Float32Array {
  const noise = randomUnitVector(base.length, random);
  let dot = 0;
  for (let i = 0; i < base.length; i++) dot += noise[i] * base[i];
  const orth = new Float32Array(base.length);
  let norm = 0;
  for (let i = 0; i < base.length; i++) {
    orth[i] = noise[i] - dot * base[i];
    norm += orth[i] * orth[i];
  }
  norm = Math.sqrt(norm);
  const s = Math.sqrt(1 - similarity * similarity);
  const out = new Float32Array(base.length);
  for (let i = 0; i < base.length; i++) out[i] = similarity * base[i] + (s * orth[i]) / norm;
  return out;
}
