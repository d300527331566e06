import { HolmesConfigError } from '../errors.js';

/** Milliseconds. */
export type Milliseconds = number;
/** Percent: of the usable CPU, of the memory limit, or above the moving average. */
export type Percent = number;

/** A numeric option: its default, its allowed range and its unit (for messages and docs). */
export interface NumberSpec {
  readonly type: 'number';
  readonly default: number;
  readonly min: number;
  readonly max: number;
  readonly integer?: boolean;
  /** `ms`, `%`, `bytes`, `count`… */
  readonly unit: string;
  /** A further condition on an in-range value; returns what is allowed when it fails. */
  readonly refine?: (value: number) => string | null;
}

/** A true/false option. */
export interface BooleanSpec {
  readonly type: 'boolean';
  readonly default: boolean;
}

export type OptionSpec = NumberSpec | BooleanSpec;

/** One spec per field of `T`: numbers get a {@link NumberSpec}, booleans a {@link BooleanSpec}. */
export type OptionSpecs<T> = { readonly [K in keyof T]-?: T[K] extends boolean ? BooleanSpec : NumberSpec };

/** A numeric option spec. */
export function numberOption(
  defaultValue: number,
  min: number,
  max: number,
  unit: string,
  extra: { integer?: boolean; refine?: (value: number) => string | null } = {},
): NumberSpec {
  return { type: 'number', default: defaultValue, min, max, unit, ...extra };
}

/** A boolean option spec. */
export function booleanOption(defaultValue: boolean): BooleanSpec {
  return { type: 'boolean', default: defaultValue };
}

/** The defaults of a set of specs. */
export function defaultsOf<T>(specs: OptionSpecs<T>): T {
  const values: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs) as Array<[string, OptionSpec]>) values[key] = spec.default;
  return values as T;
}

/** A value as it appears in an error message: short, and never the value's own `toString()`. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value).slice(0, 60);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  return Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Checks one value against its spec; throws {@link HolmesConfigError} naming `path` and the allowed range. */
export function checkValue(path: string, value: unknown, spec: OptionSpec): number | boolean {
  if (spec.type === 'boolean') {
    if (typeof value !== 'boolean') throw new HolmesConfigError(path, `must be true or false (got ${describeValue(value)})`);
    return value;
  }
  const kind = spec.integer ? 'an integer' : 'a finite number';
  const unit = spec.unit === 'count' || spec.unit === '' ? '' : ` (${spec.unit})`;
  if (typeof value !== 'number' || !Number.isFinite(value) || (spec.integer && !Number.isInteger(value)) || value < spec.min || value > spec.max) {
    throw new HolmesConfigError(path, `must be ${kind} from ${spec.min} to ${spec.max}${unit} (got ${describeValue(value)})`);
  }
  const refused = spec.refine?.(value);
  if (refused) throw new HolmesConfigError(path, `must be ${refused} (got ${value})`);
  return value;
}

/**
 * Copies an options object's own keys, reading each value exactly once, and refuses unknown keys. A getter therefore
 * cannot pass a check and then return something else, and a getter or Proxy that throws becomes a
 * {@link HolmesConfigError} naming the option.
 */
export function readObject(path: string, value: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HolmesConfigError(path || 'options', `must be an object (got ${describeValue(value)})`);
  }
  let keys: string[];
  try {
    keys = Object.keys(value);
  } catch (error) {
    throw new HolmesConfigError(path || 'options', `could not be read: ${String(error)}`, { cause: error });
  }
  const copy: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const key of keys) {
    const name = path ? `${path}.${key}` : key;
    if (!allowed.includes(key)) throw new HolmesConfigError(name, `is unknown; allowed: ${allowed.join(', ')}`);
    try {
      copy[key] = (value as Record<string, unknown>)[key];
    } catch (error) {
      throw new HolmesConfigError(name, `could not be read: ${String(error)}`, { cause: error });
    }
  }
  return copy;
}

/** Formats of CPU and sampling heap profiles: DevTools JSON, gzipped pprof protobuf (`.pb.gz`), or both. */
export type ProfileFormat = 'devtools' | 'pprof' | 'both';
export const PROFILE_FORMATS: readonly ProfileFormat[] = ['devtools', 'pprof', 'both'];
