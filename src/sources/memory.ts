import type { Source, SourceSettings } from '../rules/define.js';

/** Memory reading: RSS as a percent of the memory limit (cgroup limit, machine memory, or override). */
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
    return (100 * MemorySource.rss()) / this.limitBytes;
  }
}
