import type { ParseArgsConfig } from 'node:util';
import { firstLine } from '../analysis/errors.js';
import { limitsFromEnv, type InputLimits } from '../analysis/limits.js';
import type { Output } from './output.js';
import { UsageError } from './output.js';

/** Parsed command line of one command. */
export interface CommandArgs {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
}

/** One `holmes-node` command. `--help` and `--json` are added to every command's options. */
export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Full `--help` text: usage, what it does, options. */
  help: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** How many positional arguments: [min, max]. */
  arity: [number, number];
  run(args: CommandArgs, out: Output): void | Promise<void>;
}

/** A positive integer option such as `--top`, or its default. */
export function intOption(args: CommandArgs, name: string, fallback: number): number {
  const raw = args.values[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(value) || value < 0 || value > 1_000_000) {
    throw new UsageError(`--${name} wants a whole number from 0 to 1000000, not ${JSON.stringify(raw)}`);
  }
  return value;
}

/** A string option, or undefined. */
export function stringOption(args: CommandArgs, name: string): string | undefined {
  const raw = args.values[name];
  return typeof raw === 'string' ? raw : undefined;
}

/** Options every command takes. */
export const COMMON_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

/** Help lines for {@link COMMON_OPTIONS}. */
export const COMMON_HELP = `  --json         print the result as JSON on stdout
  -h, --help     show this help`;

/** The input limits set by the environment (README, security); a bad value is a usage mistake. */
export function envLimits(env: NodeJS.ProcessEnv = process.env): InputLimits {
  try {
    return limitsFromEnv(env);
  } catch (error) {
    throw new UsageError(firstLine(error));
  }
}
