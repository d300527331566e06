import type { Source, SourceSettings } from '../rules/define.js';

/**
 * CPU reading: 100 x CPU time used since the last reading / (elapsed time x min(1, usable cores)).
 * 100 means one core busy (or the whole quota when it is below one core); worker threads can push it above 100.
 */
export class CpuSource implements Source<unknown> {
  private lastMicros = 0;
  private lastAt = 0;
  private scale = 1;
  private started = false;

  /** @param cores CPU the process may use (cgroup quota or override), null when unlimited. */
  constructor(cores: number | null) {
    this.setCores(cores);
    this.reset();
  }

  /** Follows the detected CPU quota; a new measuring period begins at `start()`. */
  apply({ on, limits }: SourceSettings<unknown>): void {
    if (limits) this.setCores(limits.cpuCores);
    if (on && !this.started) this.reset();
    this.started = on;
  }

  setCores(cores: number | null): void {
    this.scale = cores === null ? 1 : Math.min(1, cores);
  }

  /** Starts a new measuring period now. */
  reset(): void {
    const usage = process.cpuUsage();
    this.lastMicros = usage.user + usage.system;
    this.lastAt = performance.now();
  }

  /** Percent used since the previous call (or reset). */
  read(): number {
    const usage = process.cpuUsage();
    const micros = usage.user + usage.system;
    const now = performance.now();
    const elapsedMicros = (now - this.lastAt) * 1000;
    const used = micros - this.lastMicros;
    this.lastMicros = micros;
    this.lastAt = now;
    if (elapsedMicros <= 0) return 0;
    return (100 * used) / (elapsedMicros * this.scale);
  }
}
