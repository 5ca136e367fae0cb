/**
 * Tells a USB keyboard-wedge badge reader from a person typing (docs/access.md): a reader "types"
 * the badge number's digits a few milliseconds apart and ends with Enter; a person takes well over
 * 50 ms between keys. Digits are held back until the next key shows which it is: a burst of at
 * least `minDigits` digits, each within `maxGapMs` of the one before and of the Enter, is a badge;
 * anything else is passed on as typed keys, in order. Pure apart from the timer the caller runs.
 */
export interface WedgeOptions {
  maxGapMs: number;
  minDigits: number;
}

export const defaultWedgeOptions: WedgeOptions = { maxGapMs: 35, minDigits: 4 };

export type WedgeOutput = { kind: 'badge'; number: string } | { kind: 'keys'; keys: string[] };

export class BadgeWedge {
  private held: { key: string; at: number }[] = [];

  constructor(private readonly options: WedgeOptions = defaultWedgeOptions) {}

  /** How long the caller waits after a held digit before calling flush (no next key came). */
  get holdMs(): number {
    return this.options.maxGapMs + 5;
  }

  get holding(): boolean {
    return this.held.length > 0;
  }

  /**
   * One key (KeyboardEvent.key) at time `at` (ms). Returns what is decided now: a badge, keys to
   * pass on as typed, or nothing yet (a digit held back).
   */
  key(key: string, at: number): WedgeOutput[] {
    const out: WedgeOutput[] = [];
    const last = this.held[this.held.length - 1];
    if (last && at - last.at > this.options.maxGapMs) out.push(...this.flush());
    if (/^\d$/.test(key)) {
      this.held.push({ key, at });
      return out;
    }
    if (key === 'Enter' && this.held.length >= this.options.minDigits) {
      const number = this.held.map((h) => h.key).join('');
      this.held = [];
      out.push({ kind: 'badge', number });
      return out;
    }
    out.push(...this.flush());
    out.push({ kind: 'keys', keys: [key] });
    return out;
  }

  /** No next key within holdMs: the held digits were typed by a person. */
  flush(): WedgeOutput[] {
    if (this.held.length === 0) return [];
    const keys = this.held.map((h) => h.key);
    this.held = [];
    return [{ kind: 'keys', keys }];
  }
}
