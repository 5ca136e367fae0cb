import { FaceGateError } from '../../errors';
import { normalised } from '../embedding-codec';
import { createInt8Kernel, type Int8Kernel } from './int8-kernel';

/** Covers float rounding in the bound arithmetic, far below any score difference that matters. */
const roundingSlack = 1e-9;

/** A person's best template for a query. */
export interface SearchHit {
  personId: number;
  templateId: number;
  /** Exact cosine similarity (float32 dot product of unit vectors). */
  score: number;
}

export interface EmbeddingIndexOptions {
  /** 'js' forces the plain JavaScript kernel (tests compare the two). */
  kernel?: 'auto' | 'js';
  initialCapacity?: number;
}

/**
 * An in-memory 1:N index of unit-length embeddings of ONE model.
 *
 * Each template is stored twice: as float32 (exact scores) and as int8 with a per-row scale (the
 * fast scan). A search scans every int8 row, bounds each approximate score's error exactly, and
 * re-scores in float32 only the rows that could still belong to the top k people, so the answer
 * equals a full float32 scan. A person's score is the best of their templates.
 */
export class EmbeddingIndex {
  private readonly kernel: Int8Kernel;
  private count = 0;
  private floats: Float32Array;
  /** Per row: int8 scale, and (sum |int8| / 2 + dim / 4) for the error bound. */
  private scales: Float32Array;
  private halfL1: Float32Array;
  private templateIds: Float64Array;
  private personSlots: Int32Array;
  private readonly rowOfTemplate = new Map<number, number>();

  // Dense person slots so per-person maxima live in typed arrays.
  private readonly slotOfPerson = new Map<number, number>();
  private personOfSlot: number[] = [];
  private rowsOfSlot: number[] = [];
  private freeSlots: number[] = [];
  private slotHigh = new Float64Array(0);
  private slotLow = new Float64Array(0);
  /** Scratch: each row's upper bound during a search. */
  private rowHigh = new Float64Array(0);

  constructor(
    readonly dim: number,
    options: EmbeddingIndexOptions = {},
  ) {
    if (!Number.isInteger(dim) || dim < 1) {
      throw new FaceGateError('INVALID_INPUT', `An embedding index needs a positive size, got ${dim}.`);
    }
    this.kernel = createInt8Kernel(dim, options.kernel ?? 'auto');
    const capacity = Math.max(16, options.initialCapacity ?? 1024);
    this.kernel.reserve(capacity);
    this.floats = new Float32Array(this.kernel.capacity * dim);
    this.scales = new Float32Array(this.kernel.capacity);
    this.halfL1 = new Float32Array(this.kernel.capacity);
    this.templateIds = new Float64Array(this.kernel.capacity);
    this.personSlots = new Int32Array(this.kernel.capacity);
  }

  /** Which scan runs: 'wasm-simd' or the 'js' fallback. */
  get kernelKind(): 'wasm-simd' | 'js' {
    return this.kernel.kind;
  }

  /** Number of templates. */
  get size(): number {
    return this.count;
  }

  /** Number of distinct people. */
  get personCount(): number {
    return this.slotOfPerson.size;
  }

  has(templateId: number): boolean {
    return this.rowOfTemplate.has(templateId);
  }

  /** Bytes held by the index's arrays (float copy, int8 copy, bookkeeping). */
  memoryBytes(): number {
    return (
      this.kernel.bytes() +
      this.floats.byteLength +
      this.scales.byteLength +
      this.halfL1.byteLength +
      this.templateIds.byteLength +
      this.personSlots.byteLength +
      this.slotHigh.byteLength +
      this.slotLow.byteLength +
      this.rowHigh.byteLength
    );
  }

  /** Adds a template (or replaces its vector). The vector is normalised here. */
  add(templateId: number, personId: number, embedding: ArrayLike<number>): void {
    if (embedding.length !== this.dim) {
      throw new FaceGateError(
        'INVALID_INPUT',
        `An embedding of size ${embedding.length} cannot join an index of size ${this.dim}; ` +
          'it comes from another model (re-embed the gallery with `facegate reembed`).',
      );
    }
    const unit = normalised(embedding);
    let row = this.rowOfTemplate.get(templateId);
    if (row !== undefined && this.personOfSlot[this.personSlots[row]] !== personId) {
      this.remove(templateId);
      row = undefined;
    }
    if (row === undefined) {
      this.ensureCapacity(this.count + 1);
      row = this.count++;
      this.rowOfTemplate.set(templateId, row);
      this.templateIds[row] = templateId;
      this.personSlots[row] = this.acquireSlot(personId);
    }
    this.floats.set(unit, row * this.dim);
    this.quantiseRow(row, unit);
  }

  remove(templateId: number): boolean {
    const row = this.rowOfTemplate.get(templateId);
    if (row === undefined) return false;
    this.rowOfTemplate.delete(templateId);
    this.releaseSlot(this.personSlots[row]);
    const last = this.count - 1;
    if (row !== last) this.moveRow(last, row);
    this.count = last;
    return true;
  }

  removePerson(personId: number): number {
    const slot = this.slotOfPerson.get(personId);
    if (slot === undefined) return 0;
    const doomed: number[] = [];
    for (let r = 0; r < this.count; r++) if (this.personSlots[r] === slot) doomed.push(this.templateIds[r]);
    for (const templateId of doomed) this.remove(templateId);
    return doomed.length;
  }

  clear(): void {
    this.count = 0;
    this.rowOfTemplate.clear();
    this.slotOfPerson.clear();
    this.personOfSlot = [];
    this.rowsOfSlot = [];
    this.freeSlots = [];
  }

  /** The k best people for a query embedding, best first. */
  search(query: ArrayLike<number>, k = 5): SearchHit[] {
    if (query.length !== this.dim) {
      throw new FaceGateError(
        'INVALID_INPUT',
        `A query embedding of size ${query.length} cannot search an index of size ${this.dim}; ` +
          'the gallery was built with another model.',
      );
    }
    if (this.count === 0 || k < 1) return [];
    const unit = normalised(query);
    const { queryScale, queryHalfL1 } = this.quantiseQuery(unit);
    const raw = this.kernel.run(this.count);

    const slots = this.personOfSlot.length;
    const high = this.slotHigh;
    const low = this.slotLow;
    high.fill(-Infinity, 0, slots);
    low.fill(-Infinity, 0, slots);
    if (this.rowHigh.length < this.count) this.rowHigh = new Float64Array(this.kernel.capacity);
    const { scales, halfL1, personSlots, count, rowHigh } = this;
    for (let r = 0; r < count; r++) {
      const rowScale = scales[r] * queryScale;
      const approx = raw[r] * rowScale;
      const error = rowScale * (halfL1[r] + queryHalfL1) + roundingSlack;
      const slot = personSlots[r];
      const upper = approx + error;
      rowHigh[r] = upper;
      if (upper > high[slot]) high[slot] = upper;
      if (approx - error > low[slot]) low[slot] = approx - error;
    }
    // Every person in the true top k scores at least the k-th best lower bound, so only rows whose
    // upper bound reaches it can matter; they are re-scored exactly.
    const floor = kthLargest(low, slots, Math.min(k, this.slotOfPerson.size));

    const best = new Map<number, { row: number; score: number }>();
    for (let r = 0; r < count; r++) {
      if (rowHigh[r] < floor) continue;
      const slot = personSlots[r];
      const score = this.exactScore(r, unit);
      const current = best.get(slot);
      if (!current || score > current.score) best.set(slot, { row: r, score });
    }
    return [...best.entries()]
      .map(([slot, { row, score }]) => ({
        personId: this.personOfSlot[slot],
        templateId: this.templateIds[row],
        score,
      }))
      .sort((a, b) => b.score - a.score || a.personId - b.personId)
      .slice(0, k);
  }

  /** One person's best exact score for the query (the best of their templates), or null when they have none. */
  scorePerson(query: ArrayLike<number>, personId: number): number | null {
    const slot = this.slotOfPerson.get(personId);
    if (slot === undefined) return null;
    const unit = normalised(query);
    let best = -Infinity;
    for (let r = 0; r < this.count; r++) {
      if (this.personSlots[r] === slot) best = Math.max(best, this.exactScore(r, unit));
    }
    return best === -Infinity ? null : best;
  }

  /** Exact scores of every template against the query (calibration, tests). */
  scoreAll(query: ArrayLike<number>): { templateId: number; personId: number; score: number }[] {
    const unit = normalised(query);
    const out = [];
    for (let r = 0; r < this.count; r++) {
      out.push({
        templateId: this.templateIds[r],
        personId: this.personOfSlot[this.personSlots[r]],
        score: this.exactScore(r, unit),
      });
    }
    return out;
  }

  private exactScore(row: number, unit: Float32Array): number {
    const { floats, dim } = this;
    const offset = row * dim;
    let s0 = 0;
    let s1 = 0;
    let j = 0;
    for (; j + 1 < dim; j += 2) {
      s0 += floats[offset + j] * unit[j];
      s1 += floats[offset + j + 1] * unit[j + 1];
    }
    if (j < dim) s0 += floats[offset + j] * unit[j];
    return s0 + s1;
  }

  /**
   * Symmetric int8 with a per-row scale s: v = s * a + e, |e| <= s / 2. For a query q = t * b + f,
   * |v . q - s t (a . b)| <= s t (sum|a| / 2 + sum|b| / 2 + dim / 4): the bound search() uses.
   */
  private quantiseRow(row: number, unit: Float32Array): void {
    const rows = this.kernel.rows();
    const stride = this.kernel.stride;
    let maxAbs = 0;
    for (let j = 0; j < this.dim; j++) maxAbs = Math.max(maxAbs, Math.abs(unit[j]));
    // Rounded to float32 first, so the scale stored is the one the rows were divided by.
    const scale = Math.fround(maxAbs / 127);
    let l1 = 0;
    const offset = row * stride;
    for (let j = 0; j < stride; j++) {
      const q = j < this.dim ? Math.round(unit[j] / scale) : 0;
      rows[offset + j] = q;
      l1 += Math.abs(q);
    }
    this.scales[row] = scale;
    this.halfL1[row] = l1 / 2 + this.dim / 4;
  }

  private quantiseQuery(unit: Float32Array): { queryScale: number; queryHalfL1: number } {
    const query = this.kernel.query();
    let maxAbs = 0;
    for (let j = 0; j < this.dim; j++) maxAbs = Math.max(maxAbs, Math.abs(unit[j]));
    const scale = Math.fround(maxAbs / 127);
    let l1 = 0;
    for (let j = 0; j < query.length; j++) {
      const q = j < this.dim ? Math.round(unit[j] / scale) : 0;
      query[j] = q;
      l1 += Math.abs(q);
    }
    return { queryScale: scale, queryHalfL1: l1 / 2 };
  }

  private moveRow(from: number, to: number): void {
    const rows = this.kernel.rows();
    const stride = this.kernel.stride;
    rows.copyWithin(to * stride, from * stride, (from + 1) * stride);
    this.floats.copyWithin(to * this.dim, from * this.dim, (from + 1) * this.dim);
    this.scales[to] = this.scales[from];
    this.halfL1[to] = this.halfL1[from];
    this.templateIds[to] = this.templateIds[from];
    this.personSlots[to] = this.personSlots[from];
    this.rowOfTemplate.set(this.templateIds[to], to);
  }

  private ensureCapacity(rows: number): void {
    if (rows <= this.kernel.capacity) return;
    this.kernel.reserve(rows);
    const capacity = this.kernel.capacity;
    this.floats = grown(this.floats, capacity * this.dim);
    this.scales = grown(this.scales, capacity);
    this.halfL1 = grown(this.halfL1, capacity);
    this.templateIds = grown(this.templateIds, capacity);
    this.personSlots = grown(this.personSlots, capacity);
  }

  private acquireSlot(personId: number): number {
    let slot = this.slotOfPerson.get(personId);
    if (slot === undefined) {
      slot = this.freeSlots.pop() ?? this.personOfSlot.length;
      this.slotOfPerson.set(personId, slot);
      this.personOfSlot[slot] = personId;
      this.rowsOfSlot[slot] = 0;
      if (this.slotHigh.length <= slot) {
        const size = Math.max(64, this.slotHigh.length * 2);
        this.slotHigh = new Float64Array(size);
        this.slotLow = new Float64Array(size);
      }
    }
    this.rowsOfSlot[slot]++;
    return slot;
  }

  private releaseSlot(slot: number): void {
    if (--this.rowsOfSlot[slot] > 0) return;
    this.slotOfPerson.delete(this.personOfSlot[slot]);
    this.personOfSlot[slot] = -1;
    this.freeSlots.push(slot);
  }
}

function grown<T extends Float32Array | Float64Array | Int32Array>(array: T, length: number): T {
  const next = new (array.constructor as new (n: number) => T)(length);
  next.set(array);
  return next;
}

/** The k-th largest of values[0..n) (k >= 1), ignoring -Infinity holes; -Infinity if fewer. */
function kthLargest(values: Float64Array, n: number, k: number): number {
  const top: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === -Infinity) continue;
    if (top.length < k) {
      top.push(v);
      top.sort((a, b) => a - b);
    } else if (v > top[0]) {
      top[0] = v;
      let j = 0;
      while (j + 1 < top.length && top[j] > top[j + 1]) {
        [top[j], top[j + 1]] = [top[j + 1], top[j]];
        j++;
      }
    }
  }
  return top.length < k ? -Infinity : top[0];
}
