import type { Milliseconds, OptionSpecs, Percent, ProfileFormat } from '../config/spec.js';
import type { FlightRecorder } from '../dumpers/flight-recorder.js';
import type { HeapSampler } from '../dumpers/heap-sampler.js';
import type { Logger } from '../logger.js';
import type { DumpDir } from '../sinks/dump-dir.js';
import type { DumpFormat } from '../sinks/formats.js';
import type { Limits } from '../sources/limits.js';
import type { WrittenDump } from '../sinks/meta.js';
import type { Culprit } from '../dumpers/culprit.js';

/**
 * Options every sampled rule has. A rule fires when the ring is warm, the value is at least `min`,
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

/** What a source needs to run exactly the machinery the configuration asks for. */
export interface SourceSettings<Config> {
  /** holmes-node is started and the rule is enabled. */
  on: boolean;
  config: Config;
  /** Detected at `start()`; undefined before. */
  limits: Limits | undefined;
  interval: Milliseconds;
}

/** Where a rule's readings come from: one value per tick. */
export interface Source<Config = never> {
  /** One reading; NaN when the source has nothing to say (off, or no data this interval). Must not throw often. */
  read(): number;
  /** Called at `start()`, `stop()` and every `set()`: start or stop hooks, follow limits and the interval. */
  apply?(settings: SourceSettings<Config>): void;
}

/** What a rule's dumper gets to write one dump. */
export interface DumpContext {
  dir: DumpDir;
  /** `<kind>-<timestamp>-<pid>`; the dump is `<baseName>.<extension>`. */
  baseName: string;
  /** Aborted by `stop()`: a capture in progress is abandoned and nothing is written. */
  signal: AbortSignal;
  logger: Logger;
  /** Format of CPU and sampling heap profiles. */
  format: ProfileFormat;
  /** The limits in force (the memory limit bounds a heap snapshot's headroom). */
  limits: Limits;
  /** The always-on CPU profiler, when `cpu.flightRecorder` is on: CPU profiles then include the seconds before the trigger. */
  recorder: FlightRecorder | undefined;
  /** The always-on sampling heap profiler, while the memory, heap or gc rule is on: memory dumps read it at once. */
  heapSampler: HeapSampler | undefined;
  /** Runs a deliberate synchronous stall (a heap snapshot) with the blocked-loop watchdog told to look away. */
  stall<T>(run: () => T): T;
  /** Readies the dump directory (created 0700 if missing, room made under the retention bounds); call before writing. */
  ready(): Promise<void>;
  /** Reports that the planned dump was replaced by a cheaper one, and why (a `skip` event and a log line). */
  skip(reason: string): void;
}

/** Thrown by a dumper that decided to write nothing (an empty profile, say): the pipeline reports a `skip` with its message. */
export class DumpSkipped extends Error {
  override name = 'DumpSkipped';
}

/** A written dump: its final path and facts for the meta file. */
export interface DumpOutput {
  file: string;
  details?: Record<string, unknown>;
  /** What the dump points at, in short (the meta, the event and the log line carry it). */
  culprit?: Culprit;
}

interface RuleBase<Name extends string, Section extends string, Extra> {
  /** Unique name in the rule table. */
  readonly name: Name;
  /** The options object the rule's options live in (`new Holmes({ [section]: {…} })`), and the kind of its dumps. */
  readonly section: Section;
  /** One line for the docs and the CLI. */
  readonly description: string;
  /** The rule's own options beyond {@link RuleOptions}: defaults, ranges and units. */
  readonly options: OptionSpecs<Extra>;
  /** The formats its dumps are written in. */
  readonly formats: readonly DumpFormat[];
}

/** A rule that judges one reading per tick (the threshold rule) and, when it fires, takes a dump on the main thread. */
export interface SampledRule<Name extends string, Extra, S extends Source<RuleOptions & Extra>> extends RuleBase<Name, Name, Extra> {
  readonly trigger: 'sampled';
  /** Unit of the readings, as printed after a value: `%`, ` ms`, or '' for a count. */
  readonly unit: string;
  /** Default thresholds. */
  readonly thresholds: Readonly<Pick<RuleOptions, 'min' | 'diff' | 'abs'>>;
  /** Creates this rule's source, once per Holmes instance. */
  source(): S;
  /** A reason to skip the dump for this value, or null. */
  veto?(value: number, config: RuleOptions & Extra): string | null;
  /** Takes and writes the dump; the pipeline writes the meta file, prunes and emits the event. */
  dump(context: DumpContext, config: RuleOptions & Extra, source: S): Promise<DumpOutput>;
}

/** What a watch reports back to the pipeline, on the main thread. */
export interface WatchHooks {
  /** A dump written by the watch itself (with its meta), to count, prune and announce. */
  written(dump: WrittenDump): void;
  skipped(reason: string): void;
  error(message: string, cause?: unknown): void;
}

/** What a watch is started with. */
export interface WatchEnv {
  dumpDir: string;
  logger: Logger;
  hooks: WatchHooks;
}

/** The settings a watch follows: its section's configuration and the global cooldown. */
export interface WatchSettings<Config> {
  on: boolean;
  config: Config;
  cooldown: Milliseconds;
  /** Dumps the watch may still write now under `maxDumpsPerHour`. */
  allowance: number;
  /** The retention bounds the watch keeps the directory within when it writes. */
  retention: { maxDumps: number; maxDumpBytes: number };
}

/** A running watch: something that notices its own trigger (on another thread) and writes its own dump. */
export interface Watch<Config> {
  /** Whether it runs now. */
  readonly active: boolean;
  apply(settings: WatchSettings<Config>): void;
  /** Updates how many dumps the watch may still write, without restarting it. */
  allow(allowance: number): void;
  /** Dumps the watch wrote that the main thread has not heard of yet: they count against the budget already. */
  unacknowledged(): number;
  /** Runs holmes-node's own deliberate stall (a heap snapshot) so that the watch does not take it for a problem. */
  suspendDuring<T>(stall: () => T): T;
  /** Resolves once a watch switched off has released everything (a dump it was writing is finished first). */
  settled(): Promise<void>;
}

/**
 * A rule that fires on its own trigger rather than on a reading: the blocked-loop watchdog sees the loop stand still
 * from a worker thread and dumps while the main thread cannot. Its options live in another rule's section.
 */
export interface WatchRule<Name extends string, Section extends string, Extra> extends RuleBase<Name, Section, Extra> {
  readonly trigger: 'watch';
  /** Whether its section's configuration asks for the watch to run. */
  wanted(config: RuleOptions & Extra): boolean;
  watch(env: WatchEnv): Watch<RuleOptions & Extra>;
}

/** Declares a sampled rule (an identity function that checks the declaration against its types). */
export function sampledRule<Name extends string, Extra, S extends Source<RuleOptions & Extra>>(rule: SampledRule<Name, Extra, S>): SampledRule<Name, Extra, S> {
  return rule;
}

/** Declares a watch rule. */
export function watchRule<Name extends string, Section extends string, Extra>(rule: WatchRule<Name, Section, Extra>): WatchRule<Name, Section, Extra> {
  return rule;
}
