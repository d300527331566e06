import type { Logger } from '../logger.js';
import { CaptureAbandoned, sleep } from './cpu-profile.js';
import { attributionOf, startCpuProfiler, type Attribution, type CpuProfile, type CpuProfiler } from './profiler/index.js';

/** Sampling interval of the always-on profiler: 10 ms, where a running profiler costs within the noise (FACTS). */
export const RECORDER_SAMPLING_MICROS = 10_000;
/** Each profile lives this long; two run staggered by half of it, so 5 to 10 s before any trigger are on record. */
export const RECORDER_SPAN_MS = 10_000;

interface Recording {
  profiler: CpuProfiler;
  startedAt: number;
}

/**
 * The flight recorder: a low-rate CPU profiler that is always running, in two staggered rotating recordings, so a
 * profile taken when a rule fires also holds the seconds before the trigger, which a profile started then cannot.
 */
export class FlightRecorder {
  private recordings: Recording[] = [];
  private timer: NodeJS.Timeout | undefined;
  private rotating: Promise<void> = Promise.resolve();

  constructor(
    private readonly logger: Logger,
    private readonly onError: (error: unknown) => void,
  ) {}

  get active(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.enqueue(() => this.rotate()), RECORDER_SPAN_MS / 2);
    this.timer.unref();
    this.enqueue(() => this.record());
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.enqueue(async () => {
      const dropped = this.recordings.splice(0);
      await Promise.all(dropped.map(({ profiler }) => profiler.discard()));
    });
  }

  /** Resolves once pending rotation steps (including the discards of `stop()`) are done. */
  settled(): Promise<void> {
    return this.rotating;
  }

  /**
   * Takes the oldest running recording out of the rotation, lets it run `durationMs` more and returns it:
   * a profile of the last 5–10 s plus the next `durationMs`. A new recording replaces it at once.
   */
  async capture(durationMs: number, signal: AbortSignal): Promise<{ profile: CpuProfile; backend: string; attribution: Attribution; beforeTriggerMs: number }> {
    await this.rotating;
    const recording = this.recordings.shift();
    if (!recording) throw new Error('the flight recorder has no recording running');
    const beforeTriggerMs = Date.now() - recording.startedAt;
    const attribution = attributionOf(recording.profiler, this.logger);
    this.enqueue(() => this.record());
    await sleep(durationMs, signal);
    if (signal.aborted) {
      await recording.profiler.discard();
      throw new CaptureAbandoned();
    }
    return { profile: await recording.profiler.stop(), backend: recording.profiler.backend, attribution, beforeTriggerMs };
  }

  /** Rotation steps run one after another, never interleaved with each other. */
  private enqueue(step: () => Promise<void>): void {
    this.rotating = this.rotating.then(step).catch((error) => this.onError(error));
  }

  private async record(): Promise<void> {
    if (!this.timer) return;
    // the profile starts within the call (both backends), before the task that asked for it goes on
    const startedAt = Date.now();
    const profiler = await startCpuProfiler(RECORDER_SAMPLING_MICROS, this.logger);
    this.recordings.push({ profiler, startedAt });
  }

  /**
   * Starts a fresh recording, then drops the oldest once three run: a profiler is always running, so V8 never has
   * to catalogue all compiled code again on the main thread (a 36–58 ms stall per rotation when it did).
   */
  private async rotate(): Promise<void> {
    await this.record();
    if (this.recordings.length > 2) await this.recordings.shift()!.profiler.discard();
  }
}
