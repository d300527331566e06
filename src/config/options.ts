import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HolmesConfigError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { LimitsOptions } from '../sources/limits.js';
import { RULE_COOLDOWN, RULE_NAMES, THRESHOLD_KEYS, sectionSpecs, type RuleConfigs, type RuleName } from '../rules/registry.js';
import {
  PROFILE_FORMATS,
  checkValue,
  defaultsOf,
  describeValue,
  numberOption,
  readObject,
  type Milliseconds,
  type NumberSpec,
  type OptionSpec,
  type Percent,
  type ProfileFormat,
} from './spec.js';

/** The options that are not a rule's. */
export interface GlobalOptions {
  /** Where dumps are written. Default `<os.tmpdir()>/holmes-node-<uid>`. Created with mode 0700. */
  dumpDir?: string;
  /** Ms between readings. Default 5000; allowed 10 to 3,600,000. */
  interval?: Milliseconds;
  /** Readings in the moving average, and readings needed before any rule may fire. Default 10; allowed 1 to 1000. */
  window?: number;
  /** Ms after a dump before the same rule may fire again. Default 60000. */
  cooldown?: Milliseconds;
  /** Overrides of the detected CPU quota and memory limit. */
  limits?: LimitsOptions;
  /** Format of CPU profiles and sampling heap profiles. Default 'devtools' (keeps dumps small). */
  profileFormat?: ProfileFormat;
  /** Most dumps kept in `dumpDir` (a dump and its meta count as one); the oldest of holmes-node's own go first. Default 30. */
  maxDumps?: number;
  /** Most bytes of holmes-node's dumps kept in `dumpDir`; the oldest go first (the newest is always kept). Default 2 GiB. */
  maxDumpBytes?: number;
  /** Most dumps started in any hour by every rule together, the watchdog included, so a flapping service cannot spend its life dumping. Default 20. */
  maxDumpsPerHour?: number;
  /**
   * No dump starts while the CPU reading is at or above this (percent, as the cpu reading): a saturated process
   * cannot afford a profiler on top. Default 0 = off, since the cpu rule exists to profile a busy process.
   */
  cpuMax?: Percent;
  /**
   * The signal on which an operator may ask for a dump from outside (`holmes-node dump <pid> <kind>`). Off by default
   * (false). Allowed: `'SIGUSR2'`, `'SIGHUP'`, `'SIGWINCH'`; Node's inspector owns SIGUSR1, and the others either end
   * the process or cannot be caught.
   */
  signal?: DumpSignal | false;
  /** Receives holmes-node's messages. Default: silent. */
  logger?: Logger;
}

/**
 * Options of `new Holmes(options)`. Every field is optional; each rule's section (`cpu`, `memory`, `handles`,
 * `eventLoop`, `heap`, `gc`) may be partial, or `false` to start that rule disabled.
 */
export type HolmesOptions = GlobalOptions & { [N in RuleName]?: Partial<RuleConfigs[N]> | false };

/** What `set()` accepts: the options that may change while running. */
export type HolmesUpdate = Omit<HolmesOptions, 'dumpDir' | 'window' | 'logger' | 'signal'>;

/** The complete configuration after defaults and validation. */
export type ResolvedConfig = Required<Omit<GlobalOptions, 'logger'>> & { logger: Logger | undefined } & RuleConfigs;

/** The global numeric options: defaults, ranges, units. */
const GLOBAL_SPECS = {
  interval: numberOption(5000, 10, 3_600_000, 'ms', { integer: true }),
  window: numberOption(10, 1, 1000, 'count', { integer: true }),
  cooldown: numberOption(60_000, 0, 7 * 86_400_000, 'ms'),
  maxDumps: numberOption(30, 1, 100_000, 'count', { integer: true }),
  maxDumpBytes: numberOption(2 * 2 ** 30, 1 << 20, Number.MAX_SAFE_INTEGER, 'bytes', { integer: true }),
  maxDumpsPerHour: numberOption(20, 1, 1_000_000, 'count', { integer: true }),
  cpuMax: numberOption(0, 0, 1e6, '%'),
} satisfies Record<string, NumberSpec>;

const LIMIT_SPECS = {
  cpuCores: numberOption(0, 0.001, 4096, 'cores'),
  memoryBytes: numberOption(0, 1 << 20, Number.MAX_SAFE_INTEGER, 'bytes', { integer: true }),
} satisfies Record<keyof LimitsOptions, NumberSpec>;

type Defaults = { [K in keyof typeof GLOBAL_SPECS]: number } & { profileFormat: ProfileFormat } & { [N in RuleName]: Omit<RuleConfigs[N], 'cooldown'> };

function sectionDefaults(name: RuleName): Record<string, unknown> {
  const { cooldown: _none, ...specs } = sectionSpecs(name);
  return defaultsOf(specs as never);
}

/** The single source of truth for defaults, derived from the global specs and the rule table. */
export const DEFAULTS: Readonly<Defaults> = deepFreeze({
  ...defaultsOf<Record<keyof typeof GLOBAL_SPECS, number>>(GLOBAL_SPECS),
  profileFormat: 'devtools',
  ...Object.fromEntries(RULE_NAMES.map((name) => [name, sectionDefaults(name)])),
} as Defaults);

/**
 * Default dump directory, `<tmpdir>/holmes-node-<uid>`: one per user, so another user's (or a planted) directory is
 * never the default of this one; a planted one fails the ownership check and is refused. A function: the temp dir
 * is read when needed, not at import.
 */
export function defaultDumpDir(): string {
  return join(tmpdir(), `holmes-node-${process.geteuid?.() ?? 'user'}`);
}

/** The signals an operator's request may arrive on (see {@link GlobalOptions.signal}). */
export const DUMP_SIGNALS = ['SIGUSR2', 'SIGHUP', 'SIGWINCH'] as const;
export type DumpSignal = (typeof DUMP_SIGNALS)[number];

function checkSignal(value: unknown): DumpSignal | false {
  if (value === false || (DUMP_SIGNALS as readonly unknown[]).includes(value)) return value as DumpSignal | false;
  const why = value === 'SIGUSR1' ? " (SIGUSR1 opens Node's inspector)" : '';
  throw new HolmesConfigError('signal', `must be false (off) or one of ${DUMP_SIGNALS.join(', ')}${why} (got ${describeValue(value)})`);
}

/** One option a plain value can set (number or boolean), with its spec: for configuration from the environment. */
export interface OptionEntry {
  /** `['cpu', 'abs']`, `['interval']`. */
  path: readonly string[];
  spec: OptionSpec;
}

/** Every numeric and boolean option, in documentation order: the global ones, `limits.*`, then each rule's section. */
export function optionEntries(): OptionEntry[] {
  return [
    ...Object.entries(GLOBAL_SPECS).map(([key, spec]) => ({ path: [key], spec })),
    ...Object.entries(LIMIT_SPECS).map(([key, spec]) => ({ path: ['limits', key], spec })),
    ...RULE_NAMES.flatMap((name) => Object.entries(sectionSpecs(name)).map(([key, spec]) => ({ path: [name, key], spec }))),
  ];
}

/** The options holding a string (or `false`), validated by {@link resolveOptions}. */
export const STRING_OPTIONS = ['dumpDir', 'profileFormat', 'signal'] as const;

const UPDATE_KEYS = ['interval', 'cooldown', 'limits', ...RULE_NAMES, 'profileFormat', 'maxDumps', 'maxDumpBytes', 'maxDumpsPerHour', 'cpuMax'] as const;
const FIXED_KEYS = ['dumpDir', 'window', 'logger', 'signal'] as const;
const OPTION_KEYS = [...UPDATE_KEYS, ...FIXED_KEYS] as const;

function resolveSection(name: RuleName, input: unknown, base: Record<string, unknown>): Record<string, unknown> {
  if (input === undefined) return base;
  if (input === false) return { ...base, enabled: false };
  const specs = sectionSpecs(name);
  const given = readObject(name, input, [...THRESHOLD_KEYS, ...Object.keys(specs).filter((key) => !(THRESHOLD_KEYS as readonly string[]).includes(key))]);
  const section = { ...base };
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    section[key] = checkValue(`${name}.${key}`, value, key === 'cooldown' ? RULE_COOLDOWN : specs[key]!);
  }
  if ((section.abs as number) < (section.min as number)) {
    throw new HolmesConfigError(`${name}.abs`, `must be >= ${name}.min (${section.min}) (got ${section.abs})`);
  }
  return section;
}

function resolveLimits(input: unknown, base: LimitsOptions): LimitsOptions {
  if (input === undefined) return base;
  const given = readObject('limits', input, Object.keys(LIMIT_SPECS));
  const limits = { ...base };
  for (const key of Object.keys(LIMIT_SPECS) as Array<keyof LimitsOptions>) {
    if (given[key] !== undefined) limits[key] = checkValue(`limits.${key}`, given[key], LIMIT_SPECS[key]) as number;
  }
  return limits;
}

function checkLogger(value: unknown): Logger {
  const ok =
    typeof value === 'object' && value !== null && ['info', 'warn', 'error'].every((level) => typeof (value as Record<string, unknown>)[level] === 'function');
  if (!ok) throw new HolmesConfigError('logger', `must have info, warn and error functions (got ${describeValue(value)})`);
  return value as Logger;
}

function checkDumpDir(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || value.includes('\0')) {
    throw new HolmesConfigError('dumpDir', `must be a non-empty path string (got ${describeValue(value)})`);
  }
  return resolve(value);
}

function defaults(): ResolvedConfig {
  const config: Record<string, unknown> = { ...DEFAULTS, dumpDir: defaultDumpDir(), limits: {}, signal: false, logger: undefined };
  for (const name of RULE_NAMES) config[name] = { ...DEFAULTS[name] };
  return config as ResolvedConfig;
}

function merge(given: Record<string, unknown>, base: ResolvedConfig): ResolvedConfig {
  const config: Record<string, unknown> = { ...base };
  for (const [key, spec] of Object.entries(GLOBAL_SPECS)) {
    if (given[key] !== undefined) config[key] = checkValue(key, given[key], spec);
  }
  if (given.dumpDir !== undefined) config.dumpDir = checkDumpDir(given.dumpDir);
  if (given.logger !== undefined) config.logger = checkLogger(given.logger);
  if (given.signal !== undefined) config.signal = checkSignal(given.signal);
  config.limits = resolveLimits(given.limits, base.limits);
  if (given.profileFormat !== undefined) {
    if (!PROFILE_FORMATS.includes(given.profileFormat as ProfileFormat)) {
      throw new HolmesConfigError('profileFormat', `must be one of ${PROFILE_FORMATS.join(', ')} (got ${describeValue(given.profileFormat)})`);
    }
    config.profileFormat = given.profileFormat;
  }
  for (const name of RULE_NAMES) config[name] = resolveSection(name, given[name], base[name] as unknown as Record<string, unknown>);
  return deepFreeze(config as ResolvedConfig);
}

/** A resolved configuration is read-only all the way down: it changes only through `set()`, which validates. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const key of Object.keys(value)) {
      const field = (value as Record<string, unknown>)[key];
      // the logger is the host's object: not ours to freeze
      if (key !== 'logger') deepFreeze(field);
    }
    Object.freeze(value);
  }
  return value;
}

/** Validates constructor options and fills in defaults. Throws {@link HolmesConfigError}. */
export function resolveOptions(input: unknown): ResolvedConfig {
  if (input === undefined) return deepFreeze(defaults());
  return merge(readObject('', input, OPTION_KEYS), defaults());
}

/** Validates a partial run-time update against the current configuration. Throws {@link HolmesConfigError}; never mutates `current`. */
export function applyUpdate(current: ResolvedConfig, update: unknown): ResolvedConfig {
  const given = readObject('', update, OPTION_KEYS);
  for (const fixed of FIXED_KEYS) {
    if (given[fixed] !== undefined) {
      throw new HolmesConfigError(fixed, `is fixed at construction and cannot be changed by set(); allowed: ${UPDATE_KEYS.join(', ')}`);
    }
  }
  return merge(given, current);
}

/** Throws unless `name` is a rule. */
export function checkRuleName(name: unknown): RuleName {
  if (!RULE_NAMES.includes(name as RuleName)) {
    throw new HolmesConfigError('rule', `must be one of ${RULE_NAMES.join(', ')} (got ${describeValue(name)})`);
  }
  return name as RuleName;
}

export { RULE_NAMES, type RuleName };

export type { LimitsOptions };
