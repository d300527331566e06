import { RULE_NAMES, type RuleName } from '../rules/registry.js';
import { Ring } from './ring.js';

/** The series holmes-node samples: one per rule, of the same name. */
export type SeriesName = RuleName;
export const SERIES_NAMES: readonly SeriesName[] = RULE_NAMES;

/** One new reading, with the state of its series before the reading was pushed. */
export interface Reading {
  value: number;
  /** Average of the previous readings (not including `value`). */
  average: number;
  /** The ring already held `window` readings before this one. */
  warm: boolean;
}

export type Readers = Record<SeriesName, () => number>;

export interface SamplerHooks {
  /**
   * Whether this tick's readings count. When not, every reader still runs (so the next reading covers only the time
   * after this one) but nothing is pushed or evaluated. Default: always.
   */
  shouldRecord?(): boolean;
  onReadings(readings: Partial<Record<SeriesName, Reading>>): void;
  onError(error: unknown, series: SeriesName | 'tick'): void;
}

/**
 * Reads every series on an unref'd interval timer and keeps each in a ring.
 * A reading is taken together with the average of the ring *before* it is pushed.
 */
export class Sampler {
  private readonly rings: Record<SeriesName, Ring>;
  private timer: NodeJS.Timeout | undefined;
  private intervalMs: number;

  constructor(
    private readonly readers: Readers,
    window: number,
    interval: number,
    private readonly hooks: SamplerHooks,
  ) {
    this.rings = Object.fromEntries(SERIES_NAMES.map((name) => [name, new Ring(window)])) as Record<SeriesName, Ring>;
    this.intervalMs = interval;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  setInterval(ms: number): void {
    this.intervalMs = ms;
    if (this.timer) {
      this.stop();
      this.start();
    }
  }

  /** Takes one reading of every series; never throws. A reader returns NaN when it has nothing to say (source off). */
  tick(): void {
    try {
      const record = this.hooks.shouldRecord?.() ?? true;
      const readings: Partial<Record<SeriesName, Reading>> = {};
      for (const name of SERIES_NAMES) {
        let value: number;
        try {
          value = this.readers[name]();
        } catch (error) {
          this.hooks.onError(error, name);
          continue;
        }
        if (!record || !Number.isFinite(value)) continue;
        const ring = this.rings[name];
        readings[name] = { value, average: ring.average(), warm: ring.full };
        ring.push(value);
      }
      if (record) this.hooks.onReadings(readings);
    } catch (error) {
      this.hooks.onError(error, 'tick');
    }
  }

  /** Latest value and moving average (including the latest) of one series. */
  latest(name: SeriesName): { value: number | null; average: number | null; count: number; samples: number } {
    const ring = this.rings[name];
    return { value: ring.latest() ?? null, average: ring.size ? ring.average() : null, count: ring.size, samples: ring.total };
  }

  /** The last `window` readings of every series, oldest first. */
  history(): Record<SeriesName, number[]> {
    return Object.fromEntries(SERIES_NAMES.map((name) => [name, this.rings[name].toArray()])) as Record<SeriesName, number[]>;
  }

  clear(): void {
    for (const name of SERIES_NAMES) this.rings[name].clear();
  }
}
