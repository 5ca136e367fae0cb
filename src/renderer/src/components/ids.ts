let next = 0;

/** A unique element id, so every label can point at its control. */
export function uid(prefix: string): string {
  next += 1;
  return `${prefix}-${next}`;
}
