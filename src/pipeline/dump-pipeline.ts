import { basename } from 'node:path';
import type { ResolvedConfig } from '../config/options.js';
import { CaptureAbandoned } from '../dumpers/cpu-profile.js';
import type { FlightRecorder } from '../dumpers/flight-recorder.js';
import type { HeapSampler } from '../dumpers/heap-sampler.js';
import { adoptNearHeapLimitDumps, armNearHeapLimit } from '../dumpers/near-heap-limit.js';
import { HolmesDumpDirError, HolmesDumpError, HolmesInternalError, HolmesRetentionError, type HolmesError } from '../errors.js';
import type { DumpEvent, DumpKind, SkipEvent } from '../events.js';
import type { SafeLogger } from '../logger.js';
import { type OnDemandKind, takeOnDemand } from '../ondemand/kinds.js';
import { DumpSkipped, type DumpContext, type DumpOutput, type Source } from '../rules/define.js';
import { RULE_NAMES, UNITS, ruleOf, type RuleName } from '../rules/registry.js';
import { decide, type ThresholdTrigger, type Thresholds } from '../rules/rule.js';
import type { Reading } from '../sampler/sampler.js';
import { type DumpDir, UnsafeDumpDir, dumpBaseName } from '../sinks/dump-dir.js';
import { buildMeta, writeMeta, type FireReason, type ManualReason, type ThresholdReason, type WrittenDump } from '../sinks/meta.js';
import { enforceRetention, type RetentionLimits } from '../sinks/retention.js';
import type { Limits } from '../sources/limits.js';
import { DumpBudget } from './budget.js';
import { DumpLedger } from './ledger.js';
import { chooseDump, type RuleInput } from './choose.js';
import { RuleState } from './rule-state.js';

/**
 * What became of one dump the pipeline was asked for: written (its `dump` event), skipped (a `skip` event gave the
 * reason), failed (an `error` event carried the error), or abandoned by `stop()` (logged only).
 */
export type DumpOutcome =
  | { status: 'written'; event: DumpEvent }
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; error: HolmesError }
  | { status: 'abandoned'; reason: string };

/** What the pipeline needs from its owner: the configuration in force, the run-time parts, and where events go. */
export interface PipelineEnv {
  dir: DumpDir;
  logger: SafeLogger;
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
  /** The directory's hourly budget, shared with every process dumping there. */
  readonly #ledger: DumpLedger;
  readonly #jobs = new Set<Promise<void>>();
  #abort = new AbortController();
  #lastTick = 0;
  /** The directory's check at `start()`, done in the background: whether it passed. */
  #dirReady: Promise<boolean> = Promise.resolve(false);

  constructor(env: PipelineEnv) {
    this.#env = env;
    this.#ledger = new DumpLedger(env.dir.path, () => env.dir.verifySync());
  }

  /**
   * Dumps any rule may still start now under `maxDumpsPerHour`, counting every process's dumps in the directory. Asked
   * every tick while a watch runs, so the ledger is read only when it changed (a claim reads it under the lock).
   */
  allowance(now = Date.now()): number {
    const max = this.#env.config().maxDumpsPerHour;
    return Math.min(this.#budget.remaining(now, max), Math.max(0, max - this.#sharedStarts(now, true)));
  }

  /**
   * Dump starts in the directory's ledger in the last hour (`recent`: from the last read while the file is unchanged);
   * 0 when it cannot be read (this process's count applies).
   */
  #sharedStarts(now: number, recent = false): number {
    try {
      return recent ? this.#ledger.recentStarts(now) : this.#ledger.startsInLastHour(now);
    } catch {
      return 0;
    }
  }

  /** The budget's verdict, then the directory's: why no dump may start now, or null. */
  #check(now: number, cpu: number | undefined): string | null {
    const config = this.#env.config();
    const local = this.#budget.check(now, cpu, config, this.#env.unacknowledged());
    if (local) return local;
    const shared = this.#sharedStarts(now) + this.#env.unacknowledged();
    if (shared >= config.maxDumpsPerHour) return this.#sharedRefusal(shared);
    return null;
  }

  #sharedRefusal(started: number): string {
    return `${started} dumps in the last hour in ${this.#env.dir.path}, by every process writing there, reached maxDumpsPerHour (${this.#env.config().maxDumpsPerHour})`;
  }

  /**
   * Claims a start in the directory's ledger, atomically against the other processes; null when granted, else why
   * not. A ledger that cannot be used (read-only directory, lock held by a hung process) grants: this process's own
   * count still holds, and the fault is logged.
   */
  #claim(now: number): string | null {
    try {
      const claim = this.#ledger.claim(now, this.#env.config().maxDumpsPerHour);
      return claim.granted ? null : this.#sharedRefusal(claim.started);
    } catch (error) {
      this.#env.logger.warn(`shared dump budget unavailable, counting this process's dumps only: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
  }

  /**
   * A new run begins (`start()`): the directory is readied and stale temporary files removed, snapshots V8 wrote near
   * the heap limit for a process that died are adopted, and the near-heap-limit hook armed.
   */
  open(): void {
    this.#abort = new AbortController();
    this.#dirReady = this.#prepareDir();
    this.#track(this.#dirReady.then((ready) => (ready ? this.#nearHeapLimit() : undefined)));
  }

  /** Abandons a capture in progress (`stop()`); {@link settled} resolves once everything has finished. */
  close(): void {
    this.#abort.abort();
  }

  async settled(): Promise<void> {
    // one turn first: stop() called from inside a dump's first synchronous step (a logger call) runs before that
    // dump's job is tracked, and must still wait for it
    await null;
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
    const choice = chooseDump(now, RULE_NAMES, readings, inputs, (at) => this.#check(at, readings.cpu?.value));
    for (const { rule, reason } of choice.skips) {
      this.#skip(rule, reason);
      this.#states[rule].coolDown(now, config[rule].cooldown ?? config.cooldown);
    }
    if (!choice.dump) return;
    const { rule, reading, trigger } = choice.dump;
    const refused = this.#claim(now);
    if (refused) {
      this.#skip(rule, refused);
      this.#states[rule].coolDown(now, config[rule].cooldown ?? config.cooldown);
      return;
    }
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
    const now = Date.now();
    this.#budget.record(now);
    // a block caught just after start() may be written before the background check of the directory is over: the
    // ledger, which writes only into a checked directory, records it once that check passed
    this.#track(
      this.#dirReady.then((ready) => {
        if (!ready) return;
        try {
          this.#ledger.record(now);
        } catch (error) {
          this.#env.logger.warn(`shared dump budget unavailable: ${error instanceof Error ? error.message : String(error)}`);
        }
        this.#env.budgetChanged();
      }),
    );
    this.#env.budgetChanged();
    this.#announce({ kind: rule, ...dump, ...(dump.meta.culprit ? { culprit: dump.meta.culprit } : {}) });
  }

  /** Reports that a rule's dump was skipped or replaced by a cheaper one. */
  skip(rule: RuleName, reason: string): void {
    this.#skip(rule, reason);
  }

  /**
   * An on-demand dump (`holmes.dump()`, or an operator's request on the signal), through the same budget (one at a
   * time, `maxDumpsPerHour`), meta, retention and events as a rule's. Resolves with its outcome (the events are
   * emitted as for any dump); never rejects.
   */
  manual(kind: OnDemandKind, origin: Omit<ManualReason, 'rule' | 'trigger'>): Promise<DumpOutcome> {
    const now = Date.now();
    // cpuMax is not applied: an operator asked for this dump, knowing the process is busy
    const refused = this.#check(now, undefined) ?? this.#claim(now);
    if (refused) {
      const reason = refused === 'busy' ? `${kind} dump on demand not taken: another dump is being taken; ask again when it is done` : refused;
      this.#skip(kind, reason);
      return Promise.resolve({ status: 'skipped', reason });
    }
    this.#budget.begin(now);
    this.#env.budgetChanged();
    const reason: ManualReason = { rule: kind, trigger: 'manual', ...origin };
    const by = origin.via === 'code' ? 'holmes.dump()' : `request ${origin.requestId} from uid ${origin.requestedBy}`;
    const config = this.#env.config();
    const job = this.#take(kind, reason, `${kind} dump on demand (${by})`, (context) => takeOnDemand(kind, context, config, this.#env.source)).finally(() =>
      this.#budget.end(),
    );
    this.#track(job.then(() => undefined));
    return job;
  }

  async #run(rule: RuleName, reading: Reading, trigger: ThresholdTrigger): Promise<void> {
    const state = this.#states[rule];
    const config = this.#env.config();
    const ruleConfig = config[rule];
    const reason: ThresholdReason = {
      rule,
      value: reading.value,
      average: reading.average,
      trigger,
      thresholds: { min: ruleConfig.min, diff: ruleConfig.diff, abs: ruleConfig.abs },
    };
    state.running = true;
    try {
      await this.#take(rule, reason, summarize(reason), (context) => ruleOf(rule).dump(context, ruleConfig, this.#env.source(rule)));
    } finally {
      this.#budget.end();
      state.running = false;
      state.coolDown(Date.now(), ruleConfig.cooldown ?? config.cooldown);
    }
  }

  /** Takes one dump and writes its meta, announces it and prunes; resolves with its outcome, a fault reported first. */
  async #take(kind: DumpKind, reason: FireReason, summary: string, take: (context: DumpContext) => Promise<DumpOutput>): Promise<DumpOutcome> {
    const env = this.#env;
    const config = env.config();
    const limits = env.limits()!;
    const started = new Date();
    const baseName = dumpBaseName(kind, started);
    const history = env.history();
    env.logger.info(`taking a ${kind} dump: ${summary}`);
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
        skip: (why) => this.#skip(kind, why),
        // the directory is readied when the dumper first needs it, so a CPU profile starts without waiting for it
        ready: () => (readied ??= this.#readyDir()),
        stall: (run) => env.stall(run),
      };
      const output = await take(context);
      const meta = buildMeta({
        kind,
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
        ...(output.culprit ? { culprit: output.culprit } : {}),
      });
      const written = await writeMeta(env.dir, baseName, output.file, meta);
      const event: DumpEvent = { kind, ...written, ...(output.culprit ? { culprit: output.culprit } : {}) };
      this.#announce(event);
      await this.#retain(this.#retentionLimits(), baseName);
      return { status: 'written', event };
    } catch (error) {
      if (error instanceof DumpSkipped) {
        this.#skip(kind, error.message);
        return { status: 'skipped', reason: error.message };
      }
      if (error instanceof CaptureAbandoned) {
        const abandoned = `${kind} capture abandoned by stop(); nothing written`;
        env.logger.info(abandoned);
        return { status: 'abandoned', reason: abandoned };
      }
      // a directory that fails the policy is its own fault, reported as such, not as this dump's
      const fault =
        error instanceof UnsafeDumpDir
          ? new HolmesDumpDirError(env.dir.path, error)
          : new HolmesDumpError(kind, error instanceof Error ? error.message : String(error), error);
      env.error(fault);
      return { status: 'failed', error: fault };
    }
  }

  /** The log line (naming the culprit; structured fields for an object-first logger) and the `dump` event. */
  #announce(event: DumpEvent): void {
    const { kind, file, metaFile, meta, culprit } = event;
    const { reason } = meta;
    const reading =
      reason.trigger === 'manual' ? undefined : { value: reason.value, average: reason.average, trigger: reason.trigger, thresholds: reason.thresholds };
    this.#env.logger.info(`wrote ${file}: ${meta.summary}${culprit ? `; culprit: ${culprit.text}` : ''}`, {
      kind,
      file,
      metaFile,
      culprit,
      reading,
      trigger: reason.trigger,
      summary: meta.summary,
      pid: meta.pid,
    });
    this.#env.dump(event);
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

  #skip(rule: DumpKind, reason: string): void {
    this.#env.logger.warn(reason);
    this.#env.skip({ kind: rule, reason });
  }

  #track(job: Promise<void>): void {
    const tracked = job.catch((error) => this.#env.error(new HolmesInternalError(error))).finally(() => this.#jobs.delete(tracked));
    this.#jobs.add(tracked);
  }
}
