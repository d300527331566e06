import { EventEmitter } from 'node:events';
import { isMainThread } from 'node:worker_threads';
import { applyUpdate, checkRuleName, resolveOptions, type HolmesOptions, type HolmesUpdate, type ResolvedConfig } from './config/options.js';
import { FlightRecorder } from './dumpers/flight-recorder.js';
import { HeapSampler } from './dumpers/heap-sampler.js';
import { prepareCpuProfiler } from './dumpers/profiler/index.js';
import { HolmesReadingError, HolmesRecorderError, HolmesRequestError, HolmesRuntimeError, HolmesWatchdogError, type HolmesError } from './errors.js';
import type { DumpEvent, HolmesEvents } from './events.js';
import { safeLogger, silentLogger, type Logger } from './logger.js';
import { type OnDemandKind, checkDumpKind } from './ondemand/kinds.js';
import { refusalName, takeRequest } from './ondemand/request.js';
import { DumpPipeline } from './pipeline/dump-pipeline.js';
import type { Source, Watch } from './rules/define.js';
import { RULE_NAMES, SAMPLED_RULES, WATCH_RULES, type AnyWatch, type RuleName } from './rules/registry.js';
import { Sampler, type SeriesName } from './sampler/sampler.js';
import { DumpDir } from './sinks/dump-dir.js';
import { detectLimits, type Limits } from './sources/limits.js';

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
 * This class holds the public surface and the lifecycle; the rules are in `rules/` (one file each, listed in
 * `rules/table.ts`), and everything from a fired rule to a file is `pipeline/dump-pipeline.ts`.
 *
 * @example
 * const holmes = new Holmes({ dumpDir: '/var/log/app/holmes', logger: console }).start();
 * holmes.on('dump', (e) => console.log(e.file));
 */
export class Holmes extends EventEmitter<HolmesEvents> {
  #config: ResolvedConfig;
  readonly #logger: Logger;
  readonly #dir: DumpDir;
  readonly #sources: Record<RuleName, Source<never>>;
  readonly #watches: Array<{ rule: AnyWatch; watch: Watch<never> }>;
  readonly #recorder: FlightRecorder;
  readonly #heapSampler: HeapSampler;
  readonly #pipeline: DumpPipeline;
  readonly #sampler: Sampler;
  #limits: Limits | undefined;
  #started = false;
  /** The listener of the opt-in `signal`, while started. */
  #onSignal: (() => void) | undefined;

  /** @throws {HolmesConfigError} when an option is invalid; the message names the option and what is allowed. */
  constructor(options: HolmesOptions = {}) {
    super();
    this.#config = resolveOptions(options);
    this.#logger = safeLogger(this.#config.logger ?? silentLogger);
    this.#dir = new DumpDir(this.#config.dumpDir, (message) => this.#logger.warn(message));
    this.#sources = Object.fromEntries(SAMPLED_RULES.map((rule) => [rule.name, rule.source()])) as Record<RuleName, Source<never>>;
    this.#recorder = new FlightRecorder(this.#logger, (error) => this.#report(new HolmesRecorderError(error)));
    this.#heapSampler = new HeapSampler(this.#logger);
    this.#pipeline = new DumpPipeline({
      dir: this.#dir,
      logger: this.#logger,
      config: () => this.#config,
      limits: () => this.#limits,
      source: (rule) => this.#sources[rule],
      history: () => this.#sampler.history(),
      recorder: this.#recorder,
      heapSampler: this.#heapSampler,
      stall: (run) =>
        this.#watches.reduce(
          (inner, { watch }) =>
            () =>
              watch.suspendDuring(inner),
          run,
        )(),
      dump: (event) => this.#emitSafely('dump', event),
      skip: (event) => this.#emitSafely('skip', event),
      error: (error) => this.#report(error),
      budgetChanged: () => this.#allowWatches(),
      unacknowledged: () => this.#watches.reduce((sum, { watch }) => sum + watch.unacknowledged(), 0),
    });
    this.#watches = WATCH_RULES.map((rule) => ({
      rule,
      watch: rule.watch({
        dumpDir: this.#dir.path,
        logger: this.#logger,
        hooks: {
          written: (dump) => this.#pipeline.accept(rule.section, dump),
          skipped: (reason) => this.#pipeline.skip(rule.section, reason),
          error: (message, cause) => this.#report(new HolmesWatchdogError(message, cause)),
        },
      }) as Watch<never>,
    }));
    this.#sampler = new Sampler(
      Object.fromEntries(RULE_NAMES.map((name) => [name, () => this.#sources[name].read()])) as Record<SeriesName, () => number>,
      this.#config.window,
      this.#config.interval,
      {
        shouldRecord: () => {
          // the hourly budget frees up as time passes, not only when a dump starts
          this.#allowWatches();
          return this.#pipeline.shouldRecord();
        },
        onReadings: (readings) => this.#pipeline.evaluate(readings),
        onError: (error, series) => this.#report(new HolmesReadingError(series, error)),
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

  /** The limits readings are measured against (detected at `start()`); undefined before. */
  get limits(): Limits | undefined {
    return this.#limits;
  }

  /**
   * Starts watching. Idempotent; returns the instance. Never throws: a dump directory fault is reported as `error`.
   *
   * Call it at process start-up, before the service's code gets hot: with the CPU or event-loop rule on, this
   * creates holmes-node's native addon's profiler in eager logging mode (once per process, 10–40 ms of CPU),
   * and only code optimized after that is named correctly in later CPU profiles on Node >= 22 (see the README).
   */
  start(): this {
    if (this.#started) return this;
    this.#started = true;
    this.#limits = detectLimits(this.#config.limits);
    this.#sampler.clear();
    this.#syncRuntime();
    this.#sampler.start();
    this.#pipeline.open();
    this.#listen();
    this.#logger.info(`watching every ${this.#config.interval} ms, dumps to ${this.#dir.path}`);
    return this;
  }

  /** Stops watching. Resolves once a running dump is finished or abandoned and every timer, hook and profiler is released. */
  async stop(): Promise<void> {
    if (this.#started) {
      this.#started = false;
      this.#unlisten();
      this.#sampler.stop();
      this.#pipeline.close();
      this.#syncRuntime();
    }
    await this.#pipeline.settled();
    await this.#recorder.settled();
    await Promise.all(this.#watches.map(({ watch }) => watch.settled()));
  }

  /**
   * Takes a dump now, whatever the readings: `cpu` (a profile of the next `cpu.profileDuration` ms), `heapprofile`
   * (the live heap from the always-on sampling heap profiler), `heapsnapshot` (refused with the reason when not affordable), `handles`,
   * or `report` (Node's diagnostic report). It goes through the same pipeline as a rule's dump: one at a time,
   * `maxDumpsPerHour`, a `.meta.json` with `reason.trigger: 'manual'`, retention, and the `dump` event.
   *
   * Resolves with the `dump` event, or undefined when no dump was written: before `start()`, or skipped (a `skip`
   * event says why: another dump running, the hourly ceiling), or failed (an `error` event). Never rejects.
   * @throws {HolmesConfigError} on an unknown kind.
   */
  dump(kind: OnDemandKind): Promise<DumpEvent | undefined> {
    const checked = checkDumpKind(kind);
    if (!this.#started) {
      this.#emitSafely('skip', { kind: checked, reason: `${checked} dump on demand not taken: holmes-node is not started` });
      return Promise.resolve(undefined);
    }
    return this.#pipeline.manual(checked, { via: 'code' }).then((outcome) => (outcome.status === 'written' ? outcome.event : undefined));
  }

  /** Lets a rule fire again. @throws {HolmesConfigError} on an unknown rule name. */
  enable(rule: RuleName): this {
    return this.set({ [checkRuleName(rule)]: { enabled: true } });
  }

  /** Stops a rule from firing; its series is still sampled. @throws {HolmesConfigError} on an unknown rule name. */
  disable(rule: RuleName): this {
    return this.set({ [checkRuleName(rule)]: { enabled: false } });
  }

  /**
   * Changes options while running. Validated as a whole first: an invalid update throws
   * {@link HolmesConfigError} and the running configuration is untouched.
   */
  set(update: HolmesUpdate): this {
    const previous = this.#config;
    const next = applyUpdate(previous, update);
    this.#config = next;
    if (next.interval !== previous.interval) this.#sampler.setInterval(next.interval);
    if (next.limits !== previous.limits && this.#started) this.#limits = detectLimits(next.limits);
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

  /**
   * Runs exactly the machinery the configuration needs now, and nothing once stopped: each rule's source follows its
   * rule (a histogram, an observer, an async hook only while needed), each watch its section.
   */
  #syncRuntime(): void {
    const config = this.#config;
    const started = this.#started;
    for (const rule of SAMPLED_RULES) {
      this.#guard(() => this.#sources[rule.name].apply?.({ on: started, config: config[rule.name] as never, limits: this.#limits, interval: config.interval }));
    }
    const { cpu, eventLoop } = config;
    // The profiler addon's eager profiler, now and synchronously (20–40 ms of CPU, once per process): it must exist
    // before the service's code gets hot to name hot functions in later profiles on Node >= 22.
    if (started && (cpu.enabled || eventLoop.enabled)) this.#guard(() => prepareCpuProfiler(this.#logger));
    const recorderOn = started && cpu.flightRecorder && (cpu.enabled || eventLoop.enabled);
    this.#guard(() => {
      if (recorderOn && !this.#recorder.active) this.#recorder.start();
      else if (!recorderOn && this.#recorder.active) this.#recorder.stop();
    });
    this.#guard(() => this.#syncHeapSampler());
    const allowance = this.#pipeline.allowance();
    for (const { rule, watch } of this.#watches) {
      const section = config[rule.section];
      this.#guard(() =>
        watch.apply({
          on: started && rule.wanted(section),
          config: section as never,
          cooldown: config.cooldown,
          allowance,
          retention: { maxDumps: config.maxDumps, maxDumpBytes: config.maxDumpBytes },
        }),
      );
    }
  }

  /**
   * With the `signal` option, listens for an operator's request (`holmes-node dump <pid> <kind>`). Signals reach only
   * the main thread; a Holmes on a worker thread says so and listens to nothing.
   */
  #listen(): void {
    const signal = this.#config.signal;
    if (!signal) return;
    if (!isMainThread) {
      this.#report(new HolmesRuntimeError(`option signal (${signal}) works on the main thread only: requests on it are not heard here`));
      return;
    }
    this.#onSignal = () => void this.#answerRequest();
    this.#guard(() => process.on(signal, this.#onSignal!));
  }

  #unlisten(): void {
    if (this.#onSignal && this.#config.signal) process.off(this.#config.signal, this.#onSignal);
    this.#onSignal = undefined;
  }

  /** Takes the request the signal announces and dumps; a refused request is an `error` (HOLMES_REQUEST) and dumps nothing. */
  async #answerRequest(): Promise<void> {
    try {
      const request = await takeRequest(this.#dir.path);
      this.#logger.info(`dump request ${request.id} for ${request.kind} from uid ${request.uid}`);
      const outcome = await this.#pipeline.manual(request.kind, { via: 'signal', requestId: request.id, requestedBy: request.uid });
      // a request that ends without a dump is answered with the reason, so the operator's command need not wait it out
      if (outcome.status !== 'written') {
        const refusal = outcome.status === 'failed' ? outcome.error.message : outcome.reason;
        await this.#dir.writeFile(refusalName(process.pid, request.id), `${refusal}\n`).catch(() => undefined);
      }
    } catch (error) {
      this.#report(new HolmesRequestError(error instanceof Error ? error.message : String(error), error));
    }
  }

  /** The always-on sampling heap profiler runs while a rule that dumps it is on (a new interval restarts it). */
  #syncHeapSampler(): void {
    const { memory, heap, gc } = this.#config;
    const sampler = this.#heapSampler;
    const wanted = this.#started && (memory.enabled || heap.enabled || gc.enabled);
    if (sampler.active && (!wanted || sampler.intervalBytes !== memory.samplingInterval)) sampler.stop();
    if (wanted && !sampler.active) sampler.start(memory.samplingInterval);
  }

  #allowWatches(): void {
    if (!this.#watches.some(({ watch }) => watch.active)) return;
    const allowance = this.#pipeline.allowance();
    for (const { watch } of this.#watches) watch.allow(allowance);
  }

  /** A part that fails to start or stop is reported, never thrown into the host. */
  #guard(run: () => void): void {
    try {
      run();
    } catch (error) {
      this.#report(new HolmesRuntimeError(error));
    }
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
