import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type { HolmesConfigError } from '../errors.js';
import { type HolmesOptions, STRING_OPTIONS, optionEntries } from './options.js';

/** One environment variable that sets one option. */
export interface EnvOption {
  /** `HOLMES_CPU_ABS`. */
  variable: string;
  /** `cpu.abs`. */
  option: string;
  type: 'number' | 'boolean' | 'string';
}

/** The variable naming the JSON configuration file. */
export const CONFIG_VARIABLE = 'HOLMES_CONFIG';
/** The variable choosing what the zero-code start logs on stderr. */
export const LOG_VARIABLE = 'HOLMES_LOG';

/** `['eventLoop', 'block']` → `HOLMES_EVENT_LOOP_BLOCK`: every option path, spelt one way. */
export function envName(path: readonly string[]): string {
  return `HOLMES_${path.map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_')}`;
}

/** Every variable that sets an option, derived from the option specs and the rule table (one source of truth). */
export function envOptions(): EnvOption[] {
  return [
    ...STRING_OPTIONS.map((key) => ({ variable: envName([key]), option: key, type: 'string' as const })),
    ...optionEntries().map(({ path, spec }) => ({ variable: envName(path), option: path.join('.'), type: spec.type })),
  ];
}

/** Configuration that cannot be used; the message is one line naming the variable (or the file) at fault. */
export class EnvConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvConfigError';
  }
}

const MAX_CONFIG_BYTES = 1 << 20;
const OTHER_VARIABLES = [CONFIG_VARIABLE, LOG_VARIABLE];

function parseValue(entry: EnvOption, raw: string): unknown {
  if (entry.type === 'string') return raw === 'false' && entry.option === 'signal' ? false : raw;
  if (entry.type === 'boolean') {
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    throw new EnvConfigError(`${entry.variable}=${JSON.stringify(raw).slice(0, 60)}: must be true, false, 1 or 0`);
  }
  // Number('') is 0 and Number('0x10') is 16: accept plain decimal numbers only
  if (!/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(raw.trim())) {
    throw new EnvConfigError(`${entry.variable}=${JSON.stringify(raw).slice(0, 60)}: must be a decimal number (option ${entry.option})`);
  }
  return Number(raw);
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  const [head, ...rest] = path as [string, ...string[]];
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  const inner = target[head];
  const section = typeof inner === 'object' && inner !== null ? { ...(inner as Record<string, unknown>) } : {};
  setPath(section, rest, value);
  target[head] = section;
}

/** Reads the JSON file `HOLMES_CONFIG` names: a regular file, at most 1 MiB, holding an object. */
function readConfigFile(path: string): Record<string, unknown> {
  const where = `${CONFIG_VARIABLE}=${path}`;
  let text: string;
  try {
    // O_NONBLOCK: a FIFO planted under the name must not hang the host's start
    const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const info = fstatSync(fd);
      if (!info.isFile()) throw new Error('not a regular file');
      if (info.size > MAX_CONFIG_BYTES) throw new Error(`larger than ${MAX_CONFIG_BYTES} bytes`);
      const buffer = Buffer.alloc(info.size);
      let read = 0;
      while (read < info.size) {
        const n = readSync(fd, buffer, read, info.size - read, read);
        if (n === 0) break;
        read += n;
      }
      text = buffer.subarray(0, read).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw new EnvConfigError(`${where}: cannot read the file: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new EnvConfigError(`${where}: not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new EnvConfigError(`${where}: must hold a JSON object`);
  return value as Record<string, unknown>;
}

/** What the environment configures, and where each option came from (for error messages). */
export interface EnvConfig {
  options: HolmesOptions;
  /** Option path (`cpu.abs`) → the variable that set it. */
  origin: Map<string, string>;
}

/**
 * The options in `env`: the JSON file `HOLMES_CONFIG` names, if any, then every `HOLMES_*` option variable over it.
 * Parses only; {@link explainConfigError} turns the validation's error into a line naming the variable.
 * @throws {EnvConfigError} on an unreadable file or a value that is not a number or boolean where one is wanted.
 */
export function readEnvConfig(env: NodeJS.ProcessEnv): EnvConfig {
  const file = env[CONFIG_VARIABLE];
  const options: Record<string, unknown> = file ? readConfigFile(file) : {};
  const origin = new Map<string, string>();
  for (const entry of envOptions()) {
    const raw = env[entry.variable];
    if (raw === undefined || raw === '') continue;
    setPath(options, entry.option.split('.'), parseValue(entry, raw));
    origin.set(entry.option, entry.variable);
  }
  const known = new Set([...envOptions().map((entry) => entry.variable), ...OTHER_VARIABLES]);
  // a misspelt variable would silently leave its default in force; HOLMES_NODE_* and HOLMES_TEST_* belong to the CLI and tests
  const unknown = Object.keys(env).find((name) => name.startsWith('HOLMES_') && !known.has(name) && !/^HOLMES_(NODE|TEST)_/.test(name));
  if (unknown) throw new EnvConfigError(`${unknown}: unknown variable (a typo?); the README's "Zero-code start" section lists them`);
  return { options: options as HolmesOptions, origin };
}

/** A {@link HolmesConfigError} from options read by {@link readEnvConfig}, said in terms of the variable that set the option. */
export function explainConfigError(error: HolmesConfigError, { origin }: EnvConfig, env: NodeJS.ProcessEnv): string {
  const variable = [...origin].find(([option]) => error.option === option || error.option.startsWith(`${option}.`))?.[1];
  const detail = error.message.replace(/^holmes-node: /, '');
  if (variable) return `${variable}=${JSON.stringify(env[variable] ?? '').slice(0, 60)}: ${detail}`;
  return env[CONFIG_VARIABLE] ? `${CONFIG_VARIABLE}=${env[CONFIG_VARIABLE]}: ${detail}` : detail;
}
