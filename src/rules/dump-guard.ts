/** Limits that hold across all rules: one dump at a time, a ceiling per hour, and no dump on a saturated CPU. */
export interface GuardLimits {
  maxDumpsPerHour: number;
  /** 0 = off. */
  cpuMax: number;
}

const HOUR = 3_600_000;

/**
 * The global gate in front of every dump. Dumps never overlap: a heap snapshot during a CPU profile would
 * distort the profile and stack two costs on a service already in trouble.
 */
export class DumpGuard {
  private running = false;
  private lastEnd = Number.NEGATIVE_INFINITY;
  private readonly starts: number[] = [];

  /**
   * Why no dump may start now, or null. 'busy' is silent (the rule tries again next tick);
   * other reasons are reported as a skip.
   */
  check(now: number, cpu: number | undefined, limits: GuardLimits): 'busy' | string | null {
    if (this.running) return 'busy';
    if (limits.cpuMax > 0 && cpu !== undefined && cpu >= limits.cpuMax) {
      return `CPU at ${Math.round(cpu)}% is at or above cpuMax (${limits.cpuMax}%)`;
    }
    while (this.starts.length > 0 && this.starts[0]! <= now - HOUR) this.starts.shift();
    if (this.starts.length >= limits.maxDumpsPerHour) {
      return `${this.starts.length} dumps in the last hour reached maxDumpsPerHour (${limits.maxDumpsPerHour})`;
    }
    return null;
  }

  begin(now: number): void {
    this.running = true;
    this.starts.push(now);
  }

  end(now = Date.now()): void {
    this.running = false;
    this.lastEnd = now;
  }

  /** Whether a dump ran at any time since `since` (ms since epoch): a reading over that span is not the service's own. */
  overlaps(since: number): boolean {
    return this.running || this.lastEnd >= since;
  }
}
