import type { z } from 'zod';
import { FaceGateError } from '../errors';

/** Parses input with a zod schema; the first problem becomes an INVALID_INPUT error naming the field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue.path.length ? `${issue.path.map(String).join('.')}: ` : '';
  throw new FaceGateError('INVALID_INPUT', `${where}${issue.message}`);
}
