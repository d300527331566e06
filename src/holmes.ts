import { EventEmitter } from 'node:events';
import { unlink } from 'node:fs/promises';
import { basename } from 'node:path';
import { CaptureAbandoned } from './dumpers/cpu-profile.js';
import { AsyncStackTracker } from './dumpers/async-stacks.js';
import { FlightRecorder } from './dumpers/flight-recorder.js';
import { loadAddon } from './dumpers/profiler/v8-profiler-next.js';
import { HolmesDumpError, HolmesError } from './errors.js';
import { safeLogger, silentLogger, type Logger } from './logger.js';
import { buildMeta, summarize, type DumpMeta, type FireReason } from './meta.js';
import {
  RULE_NAMES, applyUpdate, checkRuleName, resolveOptions,
  type HolmesOptions, type HolmesUpdate, type ResolvedConfig, type RuleName,
} from './options.js';
import { cpuRule } from './rules/cpu.js';
import { eventLoopRule } from './rules/event-loop.js';
import { gcRule } from './rules/gc.js';
import { heapRule } from './rules/heap.js';
import { handlesRule } from './rules/handles.js';
import type { RuleKind } from './rules/kind.js';
import { memoryRule } from './rules/memory.js';
import { DumpGuard } from './rules/dump-guard.js';
import { RuleState, decide, type Trigger } from './rules/rule.js';
import { Sampler, type Reading, type SeriesName } from './sampler.js';
import { DumpDir, dumpBaseName } from './sinks/dump-dir.js';
import { enforceRetention, type RetentionLimits } from './sinks/retention.js';
import { CpuSource } from './sources/cpu.js';
import { EventLoopDelaySource, loopResolution } from './sources/event-loop.js';
import { GcSource } from './sources/gc.js';
import { HeapSource } from './sources/heap.js';
import { countActiveResources } from './sources/handles.js';
import { detectLimits, type Limits } from './sources/limits.js';
import { MemorySource } from './sources/memory.js';
import { BlockWatchdog } from './watchdog/watchdog.js';

/** Payload of the `dump` event: emitted once the dump and its meta file are complete in the dump directory. */
export interface DumpEvent {
  kind: RuleName;
  /** Absolute path of the dump. */
  file: string;
  /** Absolute path of the `.meta.json` beside it. */
  metaFile: string;
  meta: DumpMeta;
}

/** Payload of the `skip` event: a rule fired but no dump was taken. */
export interface SkipEvent {
  kind: RuleName;
  reason: string;
}

/** Events of {@link Holmes}. */
export interface HolmesEvents {
  dump: [DumpEvent];
  skip: [SkipEvent];
  /** Run-time faults (dump directory missing or read-only, disk full, profiler failure). The host keeps running. */
  error: [HolmesError];
}

/** Latest value and moving average of one series; null before the first reading. */
export interface SeriesReading {
  value: number | null;
  /** Average of the readings in the ring, the latest included. */
  average: number | null;
  /** Readings in the ring (up to `window`). */
  count: number;
  /** Readings taken since `start()`. */
  samples: number;
}

/**
 * Watches the process from inside and writes a CPU profile, a heap snapshot or a handles dump when a rule fires.
 *
 * @example
 * const holmes = new Holmes({ dumpDir: '/var/log/app/holmes', logger: console }).start();
 * holmes.on('dump', (e) => console.log(e.file));
 */
export class Holmes extends EventEmitter<HolmesEvents> {
  #config: ResolvedConfig;
  readonly #logger: Logger;
  readonly #dir: DumpDir;
  readonly #sampler: Sampler;
  readonly #cpu = new CpuSource(null);
  readonly #memory = new MemorySource(1);
  readonly #loopDelay: EventLoopDelaySource;
  readonly #gc = new GcSource();
  readonly #heap = new HeapSource();
  readonly #tracker = new AsyncStackTracker();
  readonly #recorder: FlightRecorder;
  readonly #kinds: { [K in RuleName]: RuleKind<ResolvedConfig[K]> };
  readonly #states = Object.fromEntries(RULE_NAMES.map((rule) => [rule, new RuleState()])) as Record<RuleName, RuleState>;
  readonly #guard = new DumpGuard();
  readonly #jobs = new Set<Promise<void>>();
  #abort = new AbortController();
  #limits: Limits | undefined;
  #lastTick = 0;
  /** The blocked-loop watchdog while eventLoop.block > 0, with the settings it was started with. */
  #watchdog: { watchdog: BlockWatchdog; key: string } | undefined;
  #started = false;

  /** @throws {HolmesConfigError} when an option is invalid; the message names the option and what is allowed. */
  constructor(options: HolmesOptions = {}) {
    super();
    this.#config = resolveOptions(options);
    this.#logger = safeLogger(this.#config.logger ?? silentLogger);
    this.#dir = new DumpDir(this.#config.dumpDir);
    this.#loopDelay = new EventLoopDelaySource(loopResolution(this.#config.interval));
    this.#recorder = new FlightRecorder(this.#logger, (error) => this.#report(new HolmesError('HOLMES_RECORDER', `holmes-node: flight recorder: ${String(error)}`, { cause: error })));
    this.#kinds = {
      cpu: cpuRule, memory: memoryRule, handles: handlesRule(this.#tracker), eventLoop: eventLoopRule, heap: heapRule, gc: gcRule(this.#gc),
    };
    this.#sampler = new Sampler(
      {
        cpu: () => this.#cpu.read(),
        memory: () => this.#memory.read(),
        handles: countActiveResources,
        eventLoop: () => this.#loopDelay.read(),
        heap: () => this.#heap.read(),
        gc: () => this.#gc.read(),
      },
      this.#config.window,
      this.#config.interval,
      {
        shouldRecord: () => this.#shouldRecord(),
        onReadings: (readings) => this.#evaluate(readings),
        onError: (error, series) => this.#report(new HolmesError('HOLMES_READING', `holmes-node: reading ${series} failed: ${String(error)}`, { cause: error })),
      },
    );
  }

  /** The configuration in force (defaults filled in). */
  get config(): Readonly<ResolvedConfig> {
    return this.#config;
  }

  /** The dump directory (absolute). */
  get dumpDir(): string {
    return this.#dir.path;
  }

  /** Starts watching. Idempotent; returns the instance. Never throws: a dump directory fault is reported as `error`. */
  start(): this {
    if (this.#started) return this;
    this.#started = true;
    this.#abort = new AbortController();
    this.#applyLimits();
    this.#sampler.clear();
    this.#cpu.reset();
    this.#syncRuntime();
    this.#sampler.start();
    this.#track(this.#prepareDir());
    // load the profiler addon now (about 140 ms the first time), not in the middle of the first incident
    if (this.#config.cpu.enabled || this.#config.eventLoop.enabled) setImmediate(loadAddon).unref();
    this.#logger.info(`watching every ${this.#config.interval} ms, dumps to ${this.#dir.path}`);
    return this;
  }

  /** Stops watching. Resolves once a running dump is finished or abandoned and every timer, hook and profiler is released. */
  async stop(): Promise<void> {
    if (this.#started) {
      this.#started = false;
      this.#sampler.stop();
      this.#abort.abort();
      this.#syncRuntime();
    }
    while (this.#jobs.size > 0) await Promise.allSettled([...this.#jobs]);
    await this.#recorder.settled();
  }

  /** Lets a rule fire again. @throws {HolmesConfigError} on an unknown rule name. */
  enable(rule: RuleName): this {
    return this.#setEnabled(checkRuleName(rule), true);
  }

  /** Stops a rule from firing; its series is still sampled. @throws {HolmesConfigError} on an unknown rule name. */
  disable(rule: RuleName): this {
    return this.#setEnabled(checkRuleName(rule), false);
  }

  /**
   * Changes options while running. Validated as a whole first: an invalid update throws
   * {@link HolmesConfigError} and the running configuration is untouched.
   */
  set(update: HolmesUpdate): this {
    const previous = this.#config;
    const next = applyUpdate(previous, update);
    this.#config = next;
    if (next.interval !== previous.interval) {
      this.#sampler.setInterval(next.interval);
      this.#loopDelay.setResolution(loopResolution(next.interval));
    }
    if (next.limits !== previous.limits && this.#started) this.#applyLimits();
    this.#syncRuntime();
    return this;
  }

  /**
   * Takes one reading of every series now and evaluates the rules, exactly as the interval timer does (it may fire
   * a dump). For an on-demand check, such as an admin route, and for benchmarks. Does nothing before `start()`.
   */
  sampleNow(): this {
    if (this.#started) this.#sampler.tick();
    return this;
  }

  /** Latest value and moving average of each series. */
  readings(): Record<SeriesName, SeriesReading> {
    return Object.fromEntries(RULE_NAMES.map((name) => [name, this.#sampler.latest(name)])) as Record<SeriesName, SeriesReading>;
  }

  /** The limits readings are measured against (detected at `start()`); undefined before. */
  get limits(): Limits | undefined {
    return this.#limits;
  }

  #setEnabled(rule: RuleName, enabled: boolean): this {
    this.#config = applyUpdate(this.#config, { [rule]: { enabled } });
    this.#syncRuntime();
    return this;
  }

  /**
   * Runs exactly the machinery the configuration needs now, and nothing once stopped: the async hook only for
   * tracked handles, the loop-delay histogram and the GC observer only for their enabled rules.
   */
  #syncRuntime(): void {
    const on = this.#started;
    const { cpu, handles, eventLoop, gc } = this.#config;
    const report = (error: unknown) => this.#report(new HolmesError('HOLMES_RUNTIME', `holmes-node: ${String(error)}`, { cause: error }));
    toggle(this.#recorder, on && cpu.flightRecorder && (cpu.enabled || eventLoop.enabled), report);
    toggle(this.#tracker, on && handles.enabled && handles.trackStacks, report);
    toggle(this.#loopDelay, on && eventLoop.enabled, report);
    toggle(this.#gc, on && gc.enabled, report);
    this.#syncWatchdog(on && eventLoop.enabled && eventLoop.block > 0);
  }

  /** The blocked-loop watchdog (a worker thread) runs only while eventLoop.block > 0; a changed block or cooldown restarts it. */
  #syncWatchdog(on: boolean): void {
    const { eventLoop } = this.#config;
    const cooldownMs = eventLoop.cooldown ?? this.#config.cooldown;
    const key = `${eventLoop.block}/${cooldownMs}`;
    if (this.#watchdog && (!on || this.#watchdog.key !== key)) {
      this.#watchdog.watchdog.stop();
      this.#watchdog = undefined;
    }
    if (!on || this.#watchdog) return;
    const watchdog = new BlockWatchdog({
      blockMs: eventLoop.block, dumpDir: this.#dir.path, cooldownMs, logger: this.#logger,
      // the worker builds DumpMeta as far as it applies (no readings, limits, interval or window)
      onDump: (dump) => this.#emitSafely('dump', { kind: 'eventLoop', file: dump.file, metaFile: dump.metaFile, meta: dump.meta as unknown as DumpMeta }),
      onError: (error) => this.#report(new HolmesDumpError('eventLoop', error.message, error)),
    });
    this.#watchdog = { watchdog, key };
    watchdog.start();
  }

  #applyLimits(): void {
    const limits = detectLimits(this.#config.limits);
    this.#limits = limits;
    this.#cpu.setCores(limits.cpuCores);
    this.#memory.setLimit(limits.memoryBytes);
  }

  async #prepareDir(): Promise<void> {
    try {
      await this.#dir.prepare();
      const removed = await this.#dir.removeStaleTemps();
      if (removed > 0) this.#logger.info(`removed ${removed} unfinished dump file(s) left by a killed process`);
    } catch (error) {
      this.#report(new HolmesDumpError('setup', `dump directory ${this.#dir.path} is not usable: ${String(error)}`, error));
    }
  }

  /**
   * A reading over a span in which a dump ran measures the dump (a snapshot's stall, a profiler's cost), not the
   * service: it neither fires a rule nor joins the average, so a problem that began meanwhile is still compared with
   * the service's own baseline once the dump is over.
   */
  #shouldRecord(): boolean {
    const now = Date.now();
    const since = this.#lastTick;
    this.#lastTick = now;
    return !this.#guard.overlaps(since);
  }

  #evaluate(readings: Partial<Record<SeriesName, Reading>>): void {
    const now = Date.now();
    const fired: Array<{ rule: RuleName; reading: Reading; trigger: Trigger }> = [];
    for (const rule of RULE_NAMES) {
      const reading = readings[rule];
      if (!reading) continue;
      const config = this.#config[rule];
      const trigger = decide(reading.value, reading.average, reading.warm, config);
      if (trigger && !this.#states[rule].gate(now, config.enabled)) fired.push({ rule, reading, trigger });
    }
    // the rule that dumped least recently goes first, so a rule firing every tick cannot starve the others
    if (fired.length > 1) fired.sort((a, b) => this.#states[a.rule].lastStart - this.#states[b.rule].lastStart);
    for (const { rule, reading, trigger } of fired) {
      const config = this.#config[rule];
      const blocked = this.#kinds[rule].veto?.(reading.value, config as never)
        ?? this.#guard.check(now, readings.cpu?.value, this.#config);
      if (blocked === 'busy') return; // a dump runs: the rules wait for the next reading taken without one
      if (blocked) {
        this.#skip(rule, `${rule} rule fired but no dump was taken: ${blocked}`);
        this.#states[rule].coolDown(now, config.cooldown ?? this.#config.cooldown);
        continue;
      }
      this.#guard.begin(now);
      this.#states[rule].lastStart = now;
      this.#track(this.#dump(rule, reading, trigger));
      return; // one dump at a time: the other rules of this reading wait for the next clean reading
    }
  }

  async #dump(rule: RuleName, reading: Reading, trigger: Trigger): Promise<void> {
    const state = this.#states[rule];
    const config = this.#config[rule];
    const started = new Date();
    const baseName = dumpBaseName(rule, started);
    const reason: FireReason = {
      rule, value: reading.value, average: reading.average, trigger,
      thresholds: { min: config.min, diff: config.diff, abs: config.abs },
    };
    const history = this.#sampler.history();
    state.running = true;
    this.#logger.info(`taking a ${rule} dump: ${summarize(reason)}`);
    let readied: Promise<void> | undefined;
    try {
      const context = {
        dir: this.#dir, baseName, signal: this.#abort.signal, logger: this.#logger, limits: this.#limits!,
        format: this.#config.profileFormat, recorder: this.#recorder,
        skip: (why: string) => this.#skip(rule, why),
        // the directory is readied when the dumper first needs it, so a CPU profile starts without waiting for it
        ready: () => (readied ??= this.#readyDir()),
        stall: <T>(run: () => T): T => (this.#watchdog ? this.#watchdog.watchdog.suspendDuring(run) : run()),
      };
      const output = await (this.#kinds[rule] as RuleKind<typeof config>).dump(context, config);
      const meta = buildMeta({
        kind: rule, file: basename(output.file), reason, readings: history, limits: this.#limits!,
        interval: this.#config.interval, window: this.#config.window,
        startTime: started.toISOString(), endTime: new Date().toISOString(), details: output.details ?? {},
      });
      let metaFile: string;
      try {
        metaFile = await this.#dir.writeFile(`${baseName}.meta.json`, JSON.stringify(meta, null, 2));
      } catch (error) {
        // a dump without its meta is not what operators are promised: take the dump back
        await unlink(output.file).catch(() => undefined);
        throw error;
      }
      this.#logger.info(`wrote ${output.file}: ${meta.summary}`);
      this.#emitSafely('dump', { kind: rule, file: output.file, metaFile, meta });
      await this.#retain(this.#config, baseName);
    } catch (error) {
      if (error instanceof CaptureAbandoned) {
        this.#logger.info(`${rule} capture abandoned by stop(); nothing written`);
        return;
      }
      this.#report(new HolmesDumpError(rule, error instanceof Error ? error.message : String(error), error));
    } finally {
      this.#guard.end();
      state.running = false;
      state.coolDown(Date.now(), config.cooldown ?? this.#config.cooldown);
    }
  }

  /**
   * Creates the directory if it went missing (0700) and makes room first, so the directory holds at most `maxDumps`
   * even while a dump is being written.
   */
  async #readyDir(): Promise<void> {
    await this.#dir.prepare();
    await this.#retain({ maxDumps: this.#config.maxDumps - 1, maxDumpBytes: this.#config.maxDumpBytes }, null);
  }

  async #retain(limits: RetentionLimits, keep: string | null): Promise<void> {
    try {
      const removed = await enforceRetention(this.#dir.path, limits, keep);
      if (removed.length > 0) this.#logger.info(`removed ${removed.length} old dump(s) to stay within maxDumps/maxDumpBytes`);
    } catch (error) {
      this.#report(new HolmesError('HOLMES_RETENTION', `holmes-node: could not prune old dumps: ${String(error)}`, { cause: error }));
    }
  }

  #skip(rule: RuleName, reason: string): void {
    this.#logger.warn(reason);
    this.#emitSafely('skip', { kind: rule, reason });
  }

  #track(job: Promise<void>): void {
    const tracked = job.catch((error) => this.#report(new HolmesError('HOLMES_INTERNAL', `holmes-node: ${String(error)}`, { cause: error })))
      .finally(() => this.#jobs.delete(tracked));
    this.#jobs.add(tracked);
  }

  /** Logs a fault and emits `error` only when someone listens: an unheard `error` event would throw into the host. */
  #report(error: HolmesError): void {
    this.#logger.error(error.message);
    if (this.listenerCount('error') > 0) this.#emitSafely('error', error);
  }

  #emitSafely<E extends keyof HolmesEvents>(event: E, ...args: HolmesEvents[E]): void {
    try {
      (this.emit as (event: E, ...args: HolmesEvents[E]) => boolean)(event, ...args);
    } catch (error) {
      this.#logger.error(`a '${String(event)}' listener threw: ${String(error)}`);
    }
  }
}

/** Something holmes-node runs only while it is needed. */
interface Switchable {
  readonly active: boolean;
  start(): void;
  stop(): void;
}

/** Starts or stops a part to match `on`; a part that fails to switch is reported, never thrown into the host. */
function toggle(part: Switchable, on: boolean, report: (error: unknown) => void): void {
  try {
    if (on && !part.active) part.start();
    else if (!on && part.active) part.stop();
  } catch (error) {
    report(error);
  }
}
