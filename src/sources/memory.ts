import type { Source, SourceSettings } from '../rules/define.js';
import { ownRss } from './own-rss.js';

/**
 * Memory reading: RSS as a percent of the memory limit (cgroup limit, machine memory, or override), less the RSS
 * holmes-node's own heap snapshots added (see {@link OwnRss}), so the rule never fires on its own damage.
 */
export class MemorySource implements Source<unknown> {
  constructor(private limitBytes = 1) {}

  /** Follows the detected memory limit. */
  apply({ limits }: SourceSettings<unknown>): void {
    if (limits) this.setLimit(limits.memoryBytes);
  }

  setLimit(limitBytes: number): void {
    this.limitBytes = limitBytes;
  }

  /** RSS in bytes; `memoryUsage.rss()` reads only RSS (3–8 µs) where `memoryUsage()` walks the heap too. */
  static rss(): number {
    return process.memoryUsage.rss();
  }

  read(): number {
    return (100 * ownRss.discount(MemorySource.rss())) / this.limitBytes;
  }
}
