import { basename } from 'node:path';
import type { ResolvedConfig } from '../config/options.js';
import { CaptureAbandoned } from '../dumpers/cpu-profile.js';
import type { FlightRecorder } from '../dumpers/flight-recorder.js';
import type { HeapSampler } from '../dumpers/heap-sampler.js';
import { adoptNearHeapLimitDumps, armNearHeapLimit } from '../dumpers/near-heap-limit.js';
import { HolmesDumpDirError, HolmesDumpError, HolmesInternalError, HolmesRetentionError, type HolmesError } from '../errors.js';
import type { DumpEvent, SkipEvent } from '../events.js';
import type { Logger } from '../logger.js';
import { DumpSkipped, type DumpContext, type Source } from '../rules/define.js';
import { RULE_NAMES, UNITS, ruleOf, type RuleName } from '../rules/registry.js';
import { decide, type ThresholdTrigger, type Thresholds } from '../rules/rule.js';
import type { Reading } from '../sampler/sampler.js';
import { type DumpDir, dumpBaseName } from '../sinks/dump-dir.js';
import { buildMeta, writeMeta, type ThresholdReason, type WrittenDump } from '../sinks/meta.js';
import { enforceRetention, type RetentionLimits } from '../sinks/retention.js';
import type { Limits } from '../sources/limits.js';
import { DumpBudget } from './budget.js';
import { chooseDump, type RuleInput } from './choose.js';
import { RuleState } from './rule-state.js';

/** What the pipeline needs from its owner: the configuration in force, the run-time parts, and where events go. */
export interface PipelineEnv {
  dir: DumpDir;
  logger: Logger;
  config(): ResolvedConfig;
  limits(): Limits | undefined;
  source(rule: RuleName): Source<never>;
  /** The last `window` readings of every series. */
  history(): Record<string, number[]>;
  recorder: FlightRecorder;
  /** The always-on sampling heap profiler; inactive while no heap-minded rule is on. */
  heapSampler: HeapSampler;
  /** Runs holmes-node's own deliberate stall with every watch told to look away. */
  stall<T>(run: () => T): T;
  dump(event: DumpEvent): void;
  skip(event: SkipEvent): void;
  error(error: HolmesError): void;
  /** The hourly budget changed: watches learn how many dumps they may still write. */
  budgetChanged(): void;
  /** Dumps watches wrote that have not reached {@link DumpPipeline.accept} yet. */
  unacknowledged(): number;
}

function fires(reading: Reading | undefined, thresholds: Thresholds): boolean {
  return reading !== undefined && decide(reading.value, reading.average, reading.warm, thresholds) !== null;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** `cpu 93.1% >= abs 70% (average 4.2%), min 10%` or `handles 540 >= 50% above average 120, min 100`. */
export function summarize(reason: ThresholdReason): string {
  const unit = UNITS[reason.rule as RuleName] ?? '';
  const { value, average, trigger, thresholds } = reason;
  const condition =
    trigger === 'abs' ? `>= abs ${thresholds.abs}${unit} (average ${round(average)}${unit})` : `>= ${thresholds.diff}% above average ${round(average)}${unit}`;
  return `${reason.rule} ${round(value)}${unit} ${condition}, min ${thresholds.min}${unit}`;
}

/**
 * The one path from a fired rule to a file: choosing which rule dumps, the budget (one at a time, cpuMax,
 * maxDumpsPerHour), writing the dump and its meta, retention, and the events. Dumps written by a watch on another
 * thread (the blocked-loop watchdog) join it at {@link DumpPipeline.accept}: counted, pruned and announced alike.
 */
export class DumpPipeline {
  readonly #env: PipelineEnv;
  readonly #states = Object.fromEntries(RULE_NAMES.map((rule) => [rule, new RuleState()])) as Record<RuleName, RuleState>;
  readonly #budget = new DumpBudget();
  readonly #jobs = new Set<Promise<void>>();
  #abort = new AbortController();
  #lastTick = 0;

  constructor(env: PipelineEnv) {
    this.#env = env;
  }

  /** Dumps any rule may still start now under `maxDumpsPerHour`. */
  allowance(now = Date.now()): number {
    return this.#budget.remaining(now, this.#env.config().maxDumpsPerHour);
  }

  /**
   * A new run begins (`start()`): the directory is readied and stale temporary files removed, snapshots V8 wrote near
   * the heap limit for a process that died are adopted, and the near-heap-limit hook armed.
   */
  open(): void {
    this.#abort = new AbortController();
    this.#track(this.#prepareDir().then((ready) => (ready ? this.#nearHeapLimit() : undefined)));
  }

  /** Abandons a capture in progress (`stop()`); {@link settled} resolves once everything has finished. */
  close(): void {
    this.#abort.abort();
  }

  async settled(): Promise<void> {
    while (this.#jobs.size > 0) await Promise.allSettled([...this.#jobs]);
  }

  /**
   * Whether this tick's readings count. A reading over a span in which a dump ran measures the dump (a snapshot's
   * stall, a profiler's cost), not the service: it neither fires a rule nor joins the average, so a problem that began
   * meanwhile is still compared with the service's own baseline once the dump is over.
   */
  shouldRecord(now = Date.now()): boolean {
    const since = this.#lastTick;
    this.#lastTick = now;
    return !this.#budget.overlaps(since);
  }

  /** Judges one tick's readings and starts the chosen dump, if any. */
  evaluate(readings: Partial<Record<RuleName, Reading>>, now = Date.now()): void {
    const config = this.#env.config();
    // the common tick, where nothing fires, allocates nothing: this runs for the life of the host
    if (!RULE_NAMES.some((rule) => fires(readings[rule], config[rule]))) return;
    const inputs = {} as Record<RuleName, RuleInput | undefined>;
    for (const rule of RULE_NAMES) {
      const reading = readings[rule];
      if (!reading) continue;
      const ruleConfig = config[rule];
      inputs[rule] = { config: ruleConfig, veto: ruleOf(rule).veto?.(reading.value, ruleConfig) ?? null, state: this.#states[rule] };
    }
    const choice = chooseDump(now, RULE_NAMES, readings, inputs, (at) => this.#budget.check(at, readings.cpu?.value, config, this.#env.unacknowledged()));
    for (const { rule, reason } of choice.skips) {
      this.#skip(rule, reason);
      this.#states[rule].coolDown(now, config[rule].cooldown ?? config.cooldown);
    }
    if (!choice.dump) return;
    const { rule, reading, trigger } = choice.dump;
    this.#budget.begin(now);
    this.#states[rule].lastStart = now;
    this.#env.budgetChanged();
    this.#track(this.#run(rule, reading, trigger));
  }

  /**
   * A dump a watch wrote itself, with its meta and within the retention bounds (its thread may be the only one
   * running): counted against the hourly budget and announced, with no I/O that could hold the host's loop.
   */
  accept(rule: RuleName, dump: WrittenDump): void {
    this.#budget.record(Date.now());
    this.#env.budgetChanged();
    this.#env.logger.info(`wrote ${dump.file}: ${dump.meta.summary}`);
    this.#env.dump({ kind: rule, ...dump });
  }

  /** Reports that a rule's dump was skipped or replaced by a cheaper one. */
  skip(rule: RuleName, reason: string): void {
    this.#skip(rule, reason);
  }

  async #run(rule: RuleName, reading: Reading, trigger: ThresholdTrigger): Promise<void> {
    const env = this.#env;
    const state = this.#states[rule];
    const config = env.config();
    const ruleConfig = config[rule];
    const limits = env.limits()!;
    const started = new Date();
    const baseName = dumpBaseName(rule, started);
    const reason: ThresholdReason = {
      rule,
      value: reading.value,
      average: reading.average,
      trigger,
      thresholds: { min: ruleConfig.min, diff: ruleConfig.diff, abs: ruleConfig.abs },
    };
    const history = env.history();
    const summary = summarize(reason);
    state.running = true;
    env.logger.info(`taking a ${rule} dump: ${summary}`);
    let readied: Promise<void> | undefined;
    try {
      const context: DumpContext = {
        dir: env.dir,
        baseName,
        signal: this.#abort.signal,
        logger: env.logger,
        limits,
        format: config.profileFormat,
        recorder: env.recorder,
        heapSampler: env.heapSampler.active ? env.heapSampler : undefined,
        skip: (why) => this.#skip(rule, why),
        // the directory is readied when the dumper first needs it, so a CPU profile starts without waiting for it
        ready: () => (readied ??= this.#readyDir()),
        stall: (run) => env.stall(run),
      };
      const output = await ruleOf(rule).dump(context, ruleConfig, env.source(rule));
      const meta = buildMeta({
        kind: rule,
        file: basename(output.file),
        summary,
        reason,
        readings: history,
        limits,
        interval: config.interval,
        window: config.window,
        startTime: started.toISOString(),
        endTime: new Date().toISOString(),
        details: output.details ?? {},
      });
      const written = await writeMeta(env.dir, baseName, output.file, meta);
      env.logger.info(`wrote ${output.file}: ${summary}`);
      env.dump({ kind: rule, ...written });
      await this.#retain(this.#retentionLimits(), baseName);
    } catch (error) {
      if (error instanceof DumpSkipped) {
        this.#skip(rule, error.message);
        return;
      }
      if (error instanceof CaptureAbandoned) {
        env.logger.info(`${rule} capture abandoned by stop(); nothing written`);
        return;
      }
      env.error(new HolmesDumpError(rule, error instanceof Error ? error.message : String(error), error));
    } finally {
      this.#budget.end();
      state.running = false;
      state.coolDown(Date.now(), ruleConfig.cooldown ?? config.cooldown);
    }
  }

  #retentionLimits(): RetentionLimits {
    const { maxDumps, maxDumpBytes } = this.#env.config();
    return { maxDumps, maxDumpBytes };
  }

  /** Readies the directory; false (reported) when it is not usable. */
  async #prepareDir(): Promise<boolean> {
    const { dir, logger } = this.#env;
    try {
      await dir.prepare();
      const removed = await dir.removeStaleTemps();
      if (removed > 0) logger.info(`removed ${removed} unfinished dump file(s) left by a killed process`);
      return true;
    } catch (error) {
      this.#env.error(new HolmesDumpDirError(dir.path, error));
      return false;
    }
  }

  async #nearHeapLimit(): Promise<void> {
    const { dir, logger } = this.#env;
    try {
      for (const dump of await adoptNearHeapLimitDumps(dir, logger)) this.accept('heap', dump);
      const { heap } = this.#env.config();
      const limits = this.#env.limits();
      if (!heap.enabled || !heap.nearHeapLimit || !limits) return;
      const notArmed = await armNearHeapLimit(dir, limits);
      if (notArmed) logger.info(`near-heap-limit snapshot not armed: ${notArmed}`);
    } catch (error) {
      this.#env.error(new HolmesDumpError('heap', `near heap limit: ${error instanceof Error ? error.message : String(error)}`, error));
    }
  }

  /**
   * Creates the directory if it went missing (0700) and makes room first, so the directory holds at most `maxDumps`
   * even while a dump is being written.
   */
  async #readyDir(): Promise<void> {
    await this.#env.dir.prepare();
    const { maxDumps, maxDumpBytes } = this.#retentionLimits();
    await this.#retain({ maxDumps: maxDumps - 1, maxDumpBytes }, null);
  }

  async #retain(limits: RetentionLimits, keep: string | null): Promise<void> {
    try {
      const removed = await enforceRetention(this.#env.dir.path, limits, keep);
      if (removed.length > 0) this.#env.logger.info(`removed ${removed.length} old dump(s) to stay within maxDumps/maxDumpBytes`);
    } catch (error) {
      this.#env.error(new HolmesRetentionError(error));
    }
  }

  #skip(rule: RuleName, reason: string): void {
    this.#env.logger.warn(reason);
    this.#env.skip({ kind: rule, reason });
  }

  #track(job: Promise<void>): void {
    const tracked = job.catch((error) => this.#env.error(new HolmesInternalError(error))).finally(() => this.#jobs.delete(tracked));
    this.#jobs.add(tracked);
  }
}
