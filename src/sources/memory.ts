/** Memory reading: RSS as a percent of the memory limit (cgroup limit, machine memory, or override). */
export class MemorySource {
  constructor(private limitBytes: number) {}

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
