import type { RuleOptions } from '../options.js';

/** Which condition fired: the absolute threshold, or the rise above the moving average. */
export type Trigger = 'abs' | 'diff';

/** The thresholds a decision needs. */
export type Thresholds = Pick<RuleOptions, 'min' | 'diff' | 'abs'>;

/**
 * The rule, exactly: fires when the ring already held `window` readings (`warm`), the value is at least `min`,
 * and the value is at least `abs` or at least `average x (1 + diff/100)`. `average` is of the previous readings only
 * (holmes averages after pushing, so its 25 % diff really needs about 29 %). Pure, so it is table-tested.
 */
export function decide(value: number, average: number, warm: boolean, t: Thresholds): Trigger | null {
  if (!warm || value < t.min) return null;
  if (value >= t.abs) return 'abs';
  if (value >= average * (1 + t.diff / 100)) return 'diff';
  return null;
}

/** Why a rule that matched did not dump. */
export type Gate = 'disabled' | 'cooldown' | 'running';

/** Run-time state of one rule: the gates that stand between a match and a dump. */
export class RuleState {
  running = false;
  /** When this rule's last dump started (ms since epoch), 0 if never: the least recent goes first. */
  lastStart = 0;
  private coolUntil = 0;

  /** The first gate that blocks a dump now, or null when it may start. */
  gate(now: number, enabled: boolean): Gate | null {
    if (!enabled) return 'disabled';
    if (this.running) return 'running';
    if (now < this.coolUntil) return 'cooldown';
    return null;
  }

  /** Starts the cooldown; called when a dump ends, whether it succeeded or failed, so a fault cannot make it retry every tick. */
  coolDown(now: number, cooldown: number): void {
    this.coolUntil = now + cooldown;
  }
}
