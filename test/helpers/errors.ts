import { expect } from 'vitest';
import { isFaceGateError } from '../../src/core/errors';

/** Asserts that `promise` rejects with a FaceGateError of this `code` (not any error, not success). */
export async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isFaceGateError(error), `expected ${code}, got ${String(error)}`).toBe(true);
  expect((error as { code: string }).code).toBe(code);
}
