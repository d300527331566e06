import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HolmesConfigError } from './errors.js';
import type { Logger } from './logger.js';

/** Milliseconds. */
export type Milliseconds = number;
/** Percent: of the usable CPU, of the memory limit, or above the moving average. */
export type Percent = number;

/** The rules holmes-node runs; each watches the series of the same name. */
export type RuleName = 'cpu' | 'memory' | 'handles' | 'eventLoop' | 'heap' | 'gc';
export const RULE_NAMES: readonly RuleName[] = ['cpu', 'memory', 'handles', 'eventLoop', 'heap', 'gc'];

/** Formats of CPU and sampling heap profiles: DevTools JSON, gzipped pprof protobuf (`.pb.gz`), or both. */
export type ProfileFormat = 'devtools' | 'pprof' | 'both';

/**
 * Thresholds shared by every rule. A rule fires when the ring is warm, the value is at least `min`,
 * and the value is at least `abs` or at least `diff` percent above the average of the previous readings.
 */
export interface RuleOptions {
  /** Whether the rule may fire. Default true. */
  enabled: boolean;
  /** Below this value the rule never fires. */
  min: number;
  /** Percent above the moving average of the previous `window` readings that fires the rule. */
  diff: Percent;
  /** Absolute value that fires the rule (still subject to `min`). Must be >= `min`. */
  abs: number;
  /** Per-rule cooldown in ms; when unset, the global `cooldown` applies. */
  cooldown?: Milliseconds;
}

/** CPU rule: readings in percent of one core (or of the CPU quota when it is below one core). */
export interface CpuRuleOptions extends RuleOptions {
  /** Length of the CPU profile taken when the rule fires, in ms. */
  profileDuration: Milliseconds;
  /**
   * Keep a low-rate CPU profiler (10 ms sampling) running at all times, so the profile written when the rule fires
   * also holds the seconds *before* the trigger. Costs a profiler left running (see BENCHMARKS.md). Default false.
   */
  flightRecorder: boolean;
}

/** Event-loop rule: p99 event-loop delay over the interval, in ms. Fires a CPU profile. */
export interface EventLoopRuleOptions extends RuleOptions {
  /** Length of the CPU profile taken when the rule fires, in ms. */
  profileDuration: Milliseconds;
  /**
   * Watchdog: when the loop has not turned for this many ms, a worker thread captures the stack of the code
   * blocking it, while it is still blocked. 0 = off (the default: it costs a worker thread).
   */
  block: Milliseconds;
}

/** Options of a rule that writes a heap snapshot, or a sampling heap profile when a snapshot is not affordable. */
export interface SnapshotRuleOptions extends RuleOptions {
  /**
   * Largest V8 heap (used bytes) holmes-node will snapshot. A snapshot stops the event loop about 120 ms per MB of
   * heap (measured: 186 MB took 22 s), so above this a sampling heap profile is taken instead. Default 128 MiB.
   */
  maxSnapshotHeap: number;
  /** Length of the sampling heap profile taken when a snapshot is not affordable, in ms. */
  profileDuration: Milliseconds;
}

/** Heap rule: V8 heap used, in percent of the heap limit (what "JavaScript heap out of memory" is about). */
export type HeapRuleOptions = SnapshotRuleOptions;

/** GC rule: percent of time spent in GC pauses over the interval. Fires a sampling heap profile. */
export interface GcRuleOptions extends RuleOptions {
  /** Length of the sampling heap profile, in ms. */
  profileDuration: Milliseconds;
}

/** Memory rule: RSS in percent of the memory limit. */
export type MemoryRuleOptions = SnapshotRuleOptions;

/** Handles rule: count of active handles and requests (sockets, timers, servers, fs requests…). */
export interface HandlesRuleOptions extends RuleOptions {
  /** Above this count the dump is skipped and logged, since listing that many costs too much; 0 = no ceiling. */
  max: number;
  /** Record the stack that created each async resource (async_hooks), so the dump shows who leaked. Costs a stack capture per resource. */
  trackStacks: boolean;
}

/** Overrides of the limits holmes-node detects from the cgroup and the machine. */
export interface LimitsOptions {
  /** CPU the process may use, in cores. Default: the cgroup quota, else unlimited. */
  cpuCores?: number;
  /** Memory limit in bytes. Default: the cgroup limit, else total memory. */
  memoryBytes?: number;
}

/** Options of `new Holmes(options)`. Every field is optional; a rule object may be partial. */
export interface HolmesOptions {
  /** Where dumps are written. Default `<os.tmpdir()>/holmes-node`. Created with mode 0700. */
  dumpDir?: string;
  /** Ms between readings. Default 5000; allowed 10 to 3,600,000. */
  interval?: Milliseconds;
  /** Readings in the moving average, and readings needed before any rule may fire. Default 10; allowed 1 to 1000. */
  window?: number;
  /** Ms after a dump before the same rule may fire again. Default 60000. */
  cooldown?: Milliseconds;
  /** Overrides of the detected CPU quota and memory limit. */
  limits?: LimitsOptions;
  /** CPU rule, or `false` to start it disabled. */
  cpu?: Partial<CpuRuleOptions> | false;
  /** Memory (RSS) rule, or `false` to start it disabled. */
  memory?: Partial<MemoryRuleOptions> | false;
  /** Active handles rule, or `false` to start it disabled. */
  handles?: Partial<HandlesRuleOptions> | false;
  /** Event-loop delay rule (and the blocked-loop watchdog), or `false` to start it disabled. */
  eventLoop?: Partial<EventLoopRuleOptions> | false;
  /** V8 heap rule, or `false` to start it disabled. */
  heap?: Partial<HeapRuleOptions> | false;
  /** GC time rule, or `false` to start it disabled. */
  gc?: Partial<GcRuleOptions> | false;
  /** Format of CPU profiles and sampling heap profiles. Default 'devtools' (keeps dumps small). */
  profileFormat?: ProfileFormat;
  /** Most dumps kept in `dumpDir` (a dump and its meta count as one); the oldest of holmes-node's own go first. Default 30. */
  maxDumps?: number;
  /** Most bytes of holmes-node's dumps kept in `dumpDir`; the oldest go first (the newest is always kept). Default 2 GiB. */
  maxDumpBytes?: number;
  /** Most dumps started in any hour, whatever the rules say, so a flapping service cannot spend its life dumping. Default 20. */
  maxDumpsPerHour?: number;
  /**
   * No dump starts while the CPU reading is at or above this (percent, as the cpu reading): a saturated process
   * cannot afford a profiler on top. Default 0 = off, since the cpu rule exists to profile a busy process.
   */
  cpuMax?: Percent;
  /** Receives holmes-node's messages. Default: silent. */
  logger?: Logger;
}

/** What `set()` accepts: the options that may change while running. */
export type HolmesUpdate = Omit<HolmesOptions, 'dumpDir' | 'window' | 'logger'>;

/** The complete configuration after defaults and validation. */
export interface ResolvedConfig {
  dumpDir: string;
  interval: Milliseconds;
  window: number;
  cooldown: Milliseconds;
  limits: LimitsOptions;
  cpu: CpuRuleOptions;
  memory: MemoryRuleOptions;
  handles: HandlesRuleOptions;
  eventLoop: EventLoopRuleOptions;
  heap: HeapRuleOptions;
  gc: GcRuleOptions;
  profileFormat: ProfileFormat;
  maxDumps: number;
  maxDumpBytes: number;
  maxDumpsPerHour: number;
  cpuMax: Percent;
  logger: Logger | undefined;
}

/** The single source of truth for defaults. cpu and memory take holmes' defaults. */
export const DEFAULTS = {
  interval: 5000,
  window: 10,
  cooldown: 60_000,
  cpu: { enabled: true, min: 10, diff: 25, abs: 70, profileDuration: 5000, flightRecorder: false },
  memory: { enabled: true, min: 10, diff: 25, abs: 80, maxSnapshotHeap: 128 * 2 ** 20, profileDuration: 5000 },
  // An idle service holds tens of handles and a busy one hundreds; a leak shows as a jump far above that.
  handles: { enabled: true, min: 100, diff: 50, abs: 10_000, max: 50_000, trackStacks: false },
  // a healthy loop's p99 delay is a few ms; 50 ms is felt by every request
  eventLoop: { enabled: true, min: 50, diff: 100, abs: 500, profileDuration: 5000, block: 0 },
  // the heap swings with every GC cycle: fire only high up, near the limit
  heap: { enabled: true, min: 70, diff: 20, abs: 90, maxSnapshotHeap: 128 * 2 ** 20, profileDuration: 5000 },
  // a healthy service spends a few percent in GC
  gc: { enabled: true, min: 10, diff: 100, abs: 50, profileDuration: 5000 },
  profileFormat: 'devtools',
  maxDumps: 30,
  maxDumpBytes: 2 * 2 ** 30,
  maxDumpsPerHour: 20,
  cpuMax: 0,
} as const;

/** Default dump directory (a function: the temp dir is read when needed, not at import). */
export function defaultDumpDir(): string {
  return join(tmpdir(), 'holmes-node');
}

const LIMITS = {
  interval: { min: 10, max: 3_600_000, integer: true },
  window: { min: 1, max: 1000, integer: true },
  cooldown: { min: 0, max: 7 * 86_400_000 },
  threshold: { min: 0, max: 1e9 },
  profileDuration: { min: 10, max: 600_000, integer: true },
  block: { min: 0, max: 600_000, integer: true },
  handlesMax: { min: 0, max: 1e9, integer: true },
  cpuCores: { min: 0.001, max: 4096 },
  memoryBytes: { min: 1 << 20, max: Number.MAX_SAFE_INTEGER, integer: true },
  maxSnapshotHeap: { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true },
  maxDumps: { min: 1, max: 100_000, integer: true },
  maxDumpBytes: { min: 1 << 20, max: Number.MAX_SAFE_INTEGER, integer: true },
  maxDumpsPerHour: { min: 1, max: 1_000_000, integer: true },
  cpuMax: { min: 0, max: 1e6 },
} as const;

type Range = { min: number; max: number; integer?: boolean };

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value).slice(0, 60);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  return Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function checkNumber(path: string, value: unknown, range: Range): number {
  const kind = range.integer ? 'an integer' : 'a finite number';
  if (typeof value !== 'number' || !Number.isFinite(value) || (range.integer && !Number.isInteger(value))
    || value < range.min || value > range.max) {
    throw new HolmesConfigError(path, `must be ${kind} from ${range.min} to ${range.max} (got ${describe(value)})`);
  }
  return value;
}

function checkBoolean(path: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new HolmesConfigError(path, `must be true or false (got ${describe(value)})`);
  return value;
}

function checkObject(path: string, value: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HolmesConfigError(path || 'options', `must be an object (got ${describe(value)})`);
  }
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      const name = path ? `${path}.${key}` : key;
      throw new HolmesConfigError(name, `is unknown; allowed: ${allowed.join(', ')}`);
    }
  }
  return value as Record<string, unknown>;
}

const RULE_KEYS = ['enabled', 'min', 'diff', 'abs', 'cooldown'] as const;
const EXTRA_KEYS: Record<RuleName, readonly string[]> = {
  cpu: ['profileDuration', 'flightRecorder'],
  memory: ['maxSnapshotHeap', 'profileDuration'],
  handles: ['max', 'trackStacks'],
  eventLoop: ['profileDuration', 'block'],
  heap: ['maxSnapshotHeap', 'profileDuration'],
  gc: ['profileDuration'],
};
const PROFILE_FORMATS: readonly ProfileFormat[] = ['devtools', 'pprof', 'both'];

function resolveRule<T extends RuleOptions>(name: RuleName, input: unknown, base: T): T {
  if (input === undefined) return base;
  if (input === false) return { ...base, enabled: false };
  const given = checkObject(name, input, [...RULE_KEYS, ...EXTRA_KEYS[name]]);
  const rule: Record<string, unknown> = { ...(base as object) };
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const path = `${name}.${key}`;
    switch (key) {
      case 'enabled': case 'trackStacks': case 'flightRecorder': rule[key] = checkBoolean(path, value); break;
      case 'block':
        rule[key] = checkNumber(path, value, LIMITS.block);
        if ((value as number) > 0 && (value as number) < 100) throw new HolmesConfigError(path, `must be 0 (off) or from 100 to ${LIMITS.block.max} (got ${value})`);
        break;
      case 'min': case 'diff': case 'abs': rule[key] = checkNumber(path, value, LIMITS.threshold); break;
      case 'cooldown': rule[key] = checkNumber(path, value, LIMITS.cooldown); break;
      case 'profileDuration': rule[key] = checkNumber(path, value, LIMITS.profileDuration); break;
      case 'max': rule[key] = checkNumber(path, value, LIMITS.handlesMax); break;
      case 'maxSnapshotHeap': rule[key] = checkNumber(path, value, LIMITS.maxSnapshotHeap); break;
    }
  }
  const resolved = rule as unknown as T;
  if (resolved.abs < resolved.min) {
    throw new HolmesConfigError(`${name}.abs`, `must be >= ${name}.min (${resolved.min}) (got ${resolved.abs})`);
  }
  return resolved;
}

function resolveLimits(input: unknown, base: LimitsOptions): LimitsOptions {
  if (input === undefined) return base;
  const given = checkObject('limits', input, ['cpuCores', 'memoryBytes']);
  const limits = { ...base };
  if (given.cpuCores !== undefined) limits.cpuCores = checkNumber('limits.cpuCores', given.cpuCores, LIMITS.cpuCores);
  if (given.memoryBytes !== undefined) {
    limits.memoryBytes = checkNumber('limits.memoryBytes', given.memoryBytes, LIMITS.memoryBytes);
  }
  return limits;
}

function checkLogger(value: unknown): Logger {
  const ok = typeof value === 'object' && value !== null
    && ['info', 'warn', 'error'].every((level) => typeof (value as Record<string, unknown>)[level] === 'function');
  if (!ok) throw new HolmesConfigError('logger', `must have info, warn and error functions (got ${describe(value)})`);
  return value as Logger;
}

const UPDATE_KEYS = ['interval', 'cooldown', 'limits', ...RULE_NAMES, 'profileFormat', 'maxDumps', 'maxDumpBytes', 'maxDumpsPerHour', 'cpuMax'] as const;
const OPTION_KEYS = [...UPDATE_KEYS, 'dumpDir', 'window', 'logger'] as const;
const GLOBAL_NUMBERS = ['interval', 'window', 'cooldown', 'maxDumps', 'maxDumpBytes', 'maxDumpsPerHour', 'cpuMax'] as const;

function defaults(): ResolvedConfig {
  return {
    dumpDir: defaultDumpDir(),
    interval: DEFAULTS.interval,
    window: DEFAULTS.window,
    cooldown: DEFAULTS.cooldown,
    limits: {},
    cpu: { ...DEFAULTS.cpu },
    memory: { ...DEFAULTS.memory },
    handles: { ...DEFAULTS.handles },
    eventLoop: { ...DEFAULTS.eventLoop },
    heap: { ...DEFAULTS.heap },
    gc: { ...DEFAULTS.gc },
    profileFormat: DEFAULTS.profileFormat,
    maxDumps: DEFAULTS.maxDumps,
    maxDumpBytes: DEFAULTS.maxDumpBytes,
    maxDumpsPerHour: DEFAULTS.maxDumpsPerHour,
    cpuMax: DEFAULTS.cpuMax,
    logger: undefined,
  };
}

function merge(given: Record<string, unknown>, base: ResolvedConfig): ResolvedConfig {
  const config = { ...base };
  for (const key of GLOBAL_NUMBERS) {
    if (given[key] !== undefined) config[key] = checkNumber(key, given[key], LIMITS[key]);
  }
  if (given.dumpDir !== undefined) {
    if (typeof given.dumpDir !== 'string' || given.dumpDir.trim() === '' || given.dumpDir.includes('\0')) {
      throw new HolmesConfigError('dumpDir', `must be a non-empty path string (got ${describe(given.dumpDir)})`);
    }
    config.dumpDir = resolve(given.dumpDir);
  }
  if (given.logger !== undefined) config.logger = checkLogger(given.logger);
  config.limits = resolveLimits(given.limits, base.limits);
  if (given.profileFormat !== undefined) {
    if (!PROFILE_FORMATS.includes(given.profileFormat as ProfileFormat)) {
      throw new HolmesConfigError('profileFormat', `must be one of ${PROFILE_FORMATS.join(', ')} (got ${describe(given.profileFormat)})`);
    }
    config.profileFormat = given.profileFormat as ProfileFormat;
  }
  config.cpu = resolveRule('cpu', given.cpu, base.cpu);
  config.memory = resolveRule('memory', given.memory, base.memory);
  config.handles = resolveRule('handles', given.handles, base.handles);
  config.eventLoop = resolveRule('eventLoop', given.eventLoop, base.eventLoop);
  config.heap = resolveRule('heap', given.heap, base.heap);
  config.gc = resolveRule('gc', given.gc, base.gc);
  return freeze(config);
}

/** A resolved configuration is read-only all the way down: it changes only through `set()`, which validates. */
function freeze(config: ResolvedConfig): ResolvedConfig {
  Object.freeze(config.limits);
  for (const rule of RULE_NAMES) Object.freeze(config[rule]);
  return Object.freeze(config);
}

/** Validates constructor options and fills in defaults. Throws {@link HolmesConfigError}. */
export function resolveOptions(input: unknown): ResolvedConfig {
  if (input === undefined) return freeze(defaults());
  return merge(checkObject('', input, OPTION_KEYS), defaults());
}

/** Validates a partial run-time update against the current configuration. Throws {@link HolmesConfigError}; never mutates `current`. */
export function applyUpdate(current: ResolvedConfig, update: unknown): ResolvedConfig {
  for (const fixed of ['dumpDir', 'window', 'logger']) {
    if (typeof update === 'object' && update !== null && Object.hasOwn(update, fixed)
      && (update as Record<string, unknown>)[fixed] !== undefined) {
      throw new HolmesConfigError(fixed, `is fixed at construction and cannot be changed by set(); allowed: ${UPDATE_KEYS.join(', ')}`);
    }
  }
  const given = checkObject('', update, UPDATE_KEYS);
  return merge(given, current);
}

/** Throws unless `name` is a rule. */
export function checkRuleName(name: unknown): RuleName {
  if (!RULE_NAMES.includes(name as RuleName)) {
    throw new HolmesConfigError('rule', `must be one of ${RULE_NAMES.join(', ')} (got ${describe(name)})`);
  }
  return name as RuleName;
}
