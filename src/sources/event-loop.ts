import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { RuleOptions, Source, SourceSettings } from '../rules/define.js';

/**
 * Resolution of the delay histogram for a sampling interval: its timer wakes the process every `resolution` ms, which
 * was most of holmes-node's idle cost at 20 ms (0.3 % of a core). A block delays the next wake whatever the
 * resolution, so coarser costs less and still sees it: about 50 wakes per interval, from 20 to 100 ms.
 */
export function loopResolution(intervalMs: number): number {
  return Math.min(100, Math.max(20, Math.round(intervalMs / 50)));
}

/**
 * Stopped histograms, by resolution, for the next `start()` of any source in the process: a histogram made and dropped
 * leaks in Node itself (measured: about 20 KB each on Node 20), so they are kept and reused, never dropped. There are
 * never more than were running at once.
 */
const idle = new Map<number, IntervalHistogram[]>();

function takeHistogram(resolution: number): IntervalHistogram {
  const histogram = idle.get(resolution)?.pop() ?? monitorEventLoopDelay({ resolution });
  histogram.reset();
  return histogram;
}

function giveBack(resolution: number, histogram: IntervalHistogram): void {
  histogram.disable();
  const pool = idle.get(resolution) ?? [];
  pool.push(histogram);
  idle.set(resolution, pool);
}

/**
 * Event-loop reading: the p99 delay over the interval, in ms, beyond the histogram's own timer period.
 * p99 rather than max: one long GC pause should not fire the rule, a loop that is slow for 1 % of the time should.
 * A loop blocked right now cannot be seen here (this reading runs on the loop): that is the watchdog's job.
 */
export class EventLoopDelaySource implements Source<RuleOptions> {
  /** Taken from the process's pool at `start()` and given back at `stop()`. */
  private histogram: IntervalHistogram | undefined;

  constructor(private resolution = loopResolution(5000)) {}

  /** The histogram runs only while the rule is enabled, at a resolution that follows the interval. */
  apply({ on, config, interval }: SourceSettings<RuleOptions>): void {
    this.setResolution(loopResolution(interval));
    if (on && config.enabled) this.start();
    else this.stop();
  }

  /** Changes the resolution (fixed when a histogram is made), restarting the histogram if it runs. */
  setResolution(ms: number): void {
    if (ms === this.resolution) return;
    const running = this.active;
    this.stop();
    this.resolution = ms;
    if (running) this.start();
  }

  get active(): boolean {
    return this.histogram !== undefined;
  }

  start(): void {
    if (this.histogram) return;
    this.histogram = takeHistogram(this.resolution);
    this.histogram.enable();
  }

  stop(): void {
    if (!this.histogram) return;
    giveBack(this.resolution, this.histogram);
    this.histogram = undefined;
  }

  /** Delay in ms since the previous reading; NaN when not started or when the histogram saw no tick. */
  read(): number {
    const histogram = this.histogram;
    if (!histogram) return Number.NaN;
    if (histogram.count === 0) {
      // not one tick of the histogram's timer in the whole interval: the loop was blocked at least that long
      return Number.NaN;
    }
    const p99 = histogram.percentile(99) / 1e6;
    histogram.reset();
    return Math.max(0, p99 - this.resolution);
  }
}
