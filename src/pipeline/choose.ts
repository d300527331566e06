import { decide, type ThresholdTrigger, type Thresholds } from '../rules/rule.js';
import type { Reading } from '../sampler/sampler.js';
import type { RuleState } from './rule-state.js';

/** One rule as the choice sees it: its configuration and its veto on the reading. */
export interface RuleInput {
  config: Thresholds & { enabled: boolean };
  /** The rule's own reason to skip this value (handles above `max`), or null. */
  veto: string | null;
  state: Readonly<RuleState>;
}

/** A rule that matched and passed its gates, with the reading that fired it. */
export interface Fired<R extends string> {
  rule: R;
  reading: Reading;
  trigger: ThresholdTrigger;
}

/** What to do after one tick's readings. */
export interface Choice<R extends string> {
  /** The rule that dumps now, if any. */
  dump: Fired<R> | null;
  /** Rules that fired but may not dump; each is reported and starts its cooldown. */
  skips: Array<{ rule: R; reason: string }>;
}

/**
 * Chooses which rule dumps after one tick. Pure (the clock is `now`, the budget's verdict a function of it), so it is
 * tested with a fake clock:
 * - a rule fires when {@link decide} says so and its gates (enabled, not running, not cooling down) let it;
 * - the rule that dumped least recently goes first, so a rule firing every tick cannot starve the others;
 * - a rule's veto, else the budget's verdict (cpuMax, maxDumpsPerHour), turns a fire into a skip;
 * - while a dump runs ('busy'), nothing is decided: the rules wait for the next reading taken without one;
 * - one dump at a time: the first rule allowed dumps, the rest wait for the next clean reading.
 */
export function chooseDump<R extends string>(
  now: number,
  order: readonly R[],
  readings: Partial<Record<R, Reading>>,
  rules: Readonly<Record<R, RuleInput | undefined>>,
  budget: (now: number) => 'busy' | string | null,
): Choice<R> {
  const fired: Array<Fired<R>> = [];
  for (const rule of order) {
    const reading = readings[rule];
    const input = rules[rule];
    if (!reading || !input) continue;
    const trigger = decide(reading.value, reading.average, reading.warm, input.config);
    if (trigger && !input.state.gate(now, input.config.enabled)) fired.push({ rule, reading, trigger });
  }
  // stable sort: equal last starts keep the table's order
  fired.sort((a, b) => rules[a.rule]!.state.lastStart - rules[b.rule]!.state.lastStart);
  const skips: Choice<R>['skips'] = [];
  for (const candidate of fired) {
    const blocked = rules[candidate.rule]!.veto ?? budget(now);
    if (blocked === 'busy') return { dump: null, skips };
    if (blocked) {
      skips.push({ rule: candidate.rule, reason: `${candidate.rule} rule fired but no dump was taken: ${blocked}` });
      continue;
    }
    return { dump: candidate, skips };
  }
  return { dump: null, skips };
}
