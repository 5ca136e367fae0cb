/**
 * A copy of RGBA pixels with sensor-like noise (each colour byte moved by -2..+2, seeded), as
 * consecutive frames of a real camera differ even when nothing moves. Sending one picture
 * unchanged again and again is what an injected stream does, and the service refuses that.
 */
export function withSensorNoise(data: Uint8Array, seed: number): Uint8Array {
  const out = data.slice();
  let state = (seed * 2654435761 + 1) >>> 0;
  for (let i = 0; i < out.length; i++) {
    if ((i & 3) === 3) continue; // alpha
    state = (state * 1664525 + 1013904223) >>> 0;
    const delta = (state >>> 29) % 5; // 0..4
    out[i] = Math.min(255, Math.max(0, out[i] + delta - 2));
  }
  return out;
}
