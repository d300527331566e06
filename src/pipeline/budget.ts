/** Limits that hold across all rules: one dump at a time, a ceiling per hour, and no dump on a saturated CPU. */
export interface BudgetLimits {
  maxDumpsPerHour: number;
  /** 0 = off. */
  cpuMax: number;
}

const HOUR = 3_600_000;

/**
 * The global budget in front of every dump. Dumps of the main thread never overlap (a heap snapshot during a CPU
 * profile would distort the profile and stack two costs on a service already in trouble), and every dump, the
 * watchdog's included, counts against `maxDumpsPerHour`.
 */
export class DumpBudget {
  private running = false;
  private lastEnd = Number.NEGATIVE_INFINITY;
  private readonly starts: number[] = [];

  /** Dumps started in the hour before `now`. */
  startsInLastHour(now: number): number {
    while (this.starts.length > 0 && this.starts[0]! <= now - HOUR) this.starts.shift();
    return this.starts.length;
  }

  /** Dumps that may still start now under `maxDumpsPerHour`. */
  remaining(now: number, maxDumpsPerHour: number): number {
    return Math.max(0, maxDumpsPerHour - this.startsInLastHour(now));
  }

  /**
   * Why no dump may start now, or null. 'busy' is silent (the rule tries again next tick);
   * other reasons are reported as a skip.
   */
  check(now: number, cpu: number | undefined, limits: BudgetLimits, unrecorded = 0): 'busy' | string | null {
    if (this.running) return 'busy';
    if (limits.cpuMax > 0 && cpu !== undefined && cpu >= limits.cpuMax) {
      return `CPU at ${Math.round(cpu)}% is at or above cpuMax (${limits.cpuMax}%)`;
    }
    // `unrecorded`: dumps written on another thread that this one has not heard of yet
    const started = this.startsInLastHour(now) + unrecorded;
    if (started >= limits.maxDumpsPerHour) {
      return `${started} dumps in the last hour reached maxDumpsPerHour (${limits.maxDumpsPerHour})`;
    }
    return null;
  }

  /** A main-thread dump starts. */
  begin(now: number): void {
    this.running = true;
    this.record(now);
  }

  end(now = Date.now()): void {
    this.running = false;
    this.lastEnd = now;
  }

  /** Counts a dump written elsewhere (the watchdog's worker) against the hourly ceiling. */
  record(now: number): void {
    this.starts.push(now);
  }

  /** Whether a dump ran at any time since `since` (ms since epoch): a reading over that span is not the service's own. */
  overlaps(since: number): boolean {
    return this.running || this.lastEnd >= since;
  }
}
