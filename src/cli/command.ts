import type { ParseArgsConfig } from 'node:util';
import { FaceGateError } from '../core/errors';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CommandContext {
  /** Parsed options (by long name) and positional arguments. */
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
  /** Machine-readable output requested (--json). */
  json: boolean;
  stdout: NodeJS.WritableStream;
  /** Progress and diagnostics; never mixed into --json output. */
  stderr: NodeJS.WritableStream;
}

/** One `facegate <name>` subcommand. Return the process exit code. */
export interface Command {
  name: string;
  summary: string;
  /** Usage line(s) after `facegate <name>`, e.g. "IMAGE... [--pack ID]". */
  usage: string;
  options?: OptionSpec;
  /** Longer help: what the options mean, examples. */
  help?: string;
  run(ctx: CommandContext): Promise<number>;
}

/** Options every command accepts. */
export const commonOptions: OptionSpec = {
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
};

export function writeJson(ctx: CommandContext, value: unknown): void {
  ctx.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A string option's value, or undefined when absent. */
export function stringOption(ctx: CommandContext, name: string): string | undefined {
  const value = ctx.values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A numeric option; a value that is not a finite number is a usage error naming the option. */
export function numberOption(ctx: CommandContext, name: string): number | undefined {
  const raw = stringOption(ctx, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value))
    throw new FaceGateError('INVALID_INPUT', `--${name} must be a number, got '${raw}'.`);
  return value;
}
