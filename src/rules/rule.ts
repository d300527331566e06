import type { RuleOptions } from './define.js';

/** Which condition fired: the absolute threshold, or the rise above the moving average. */
export type ThresholdTrigger = 'abs' | 'diff';

/** The thresholds a decision needs. */
export type Thresholds = Pick<RuleOptions, 'min' | 'diff' | 'abs'>;

/**
 * The rule, exactly: fires when the ring already held `window` readings (`warm`), the value is at least `min`,
 * and the value is at least `abs` or at least `average x (1 + diff/100)`. `average` is of the previous readings only
 * (holmes averages after pushing, so its 25 % diff really needs about 29 %). Pure, so it is table-tested.
 */
export function decide(value: number, average: number, warm: boolean, t: Thresholds): ThresholdTrigger | null {
  if (!warm || value < t.min) return null;
  if (value >= t.abs) return 'abs';
  if (value >= average * (1 + t.diff / 100)) return 'diff';
  return null;
}
