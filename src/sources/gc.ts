import { PerformanceObserver, constants } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import type { RuleOptions, Source, SourceSettings } from '../rules/define.js';

/**
 * GC reading: the share of wall time spent in GC pauses over the interval, in percent, from `gc` performance
 * entries. Also keeps the heap size after the last major GC (the live set, holmes' "GC heap"), for the meta.
 */
export class GcSource implements Source<RuleOptions> {
  private observer: PerformanceObserver | undefined;
  private pausedMs = 0;
  private since = 0;
  /** Heap used right after the latest major (mark-sweep-compact) GC, in bytes; null before one. */
  heapAfterMajorGc: number | null = null;

  /** The observer runs only while the rule is enabled. */
  apply({ on, config }: SourceSettings<RuleOptions>): void {
    if (on && config.enabled) this.start();
    else this.stop();
  }

  get active(): boolean {
    return this.observer !== undefined;
  }

  start(): void {
    if (this.observer) return;
    this.pausedMs = 0;
    this.since = performance.now();
    this.observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        this.pausedMs += entry.duration;
        const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
        if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) this.heapAfterMajorGc = getHeapStatistics().used_heap_size;
      }
    });
    this.observer.observe({ entryTypes: ['gc'] });
  }

  stop(): void {
    this.observer?.disconnect();
    this.observer = undefined;
  }

  /** Percent of the time since the previous reading spent in GC; NaN when not started. */
  read(): number {
    if (!this.observer) return Number.NaN;
    const now = performance.now();
    const elapsed = now - this.since;
    const share = elapsed > 0 ? (100 * this.pausedMs) / elapsed : 0;
    this.pausedMs = 0;
    this.since = now;
    return Math.min(100, share);
  }
}
