import { describe, expect, it } from 'vitest';
import { DumpBudget } from '../../src/pipeline/budget.js';
import { chooseDump, type RuleInput } from '../../src/pipeline/choose.js';
import { RuleState } from '../../src/pipeline/rule-state.js';
import type { Reading } from '../../src/sampler/sampler.js';

type Rule = 'cpu' | 'memory' | 'handles';
const ORDER: readonly Rule[] = ['cpu', 'memory', 'handles'];
const thresholds = { enabled: true, min: 10, diff: 25, abs: 70 };
const hot: Reading = { value: 95, average: 5, warm: true };
const calm: Reading = { value: 5, average: 5, warm: true };
const limits = { maxDumpsPerHour: 20, cpuMax: 0 };

/** A fake clock and the states the choice reads; `apply` plays what the pipeline does with a choice. */
function world() {
  let now = 1_000_000;
  const states: Record<Rule, RuleState> = { cpu: new RuleState(), memory: new RuleState(), handles: new RuleState() };
  const budget = new DumpBudget();
  const inputs = (veto: Partial<Record<Rule, string>> = {}) =>
    Object.fromEntries(ORDER.map((rule) => [rule, { config: thresholds, veto: veto[rule] ?? null, state: states[rule] } satisfies RuleInput])) as Record<
      Rule,
      RuleInput
    >;
  return {
    states,
    budget,
    advance: (ms: number) => (now += ms),
    now: () => now,
    choose(readings: Partial<Record<Rule, Reading>>, veto?: Partial<Record<Rule, string>>) {
      return chooseDump(now, ORDER, readings, inputs(veto), (at) => budget.check(at, readings.cpu?.value, limits));
    },
    /** What the pipeline does: a chosen dump starts and, `ms` later, ends with a cooldown. */
    dump(rule: Rule, ms: number, cooldown: number) {
      budget.begin(now);
      states[rule].lastStart = now;
      states[rule].running = true;
      now += ms;
      budget.end(now);
      states[rule].running = false;
      states[rule].coolDown(now, cooldown);
    },
  };
}

describe('chooseDump (pure, with a fake clock)', () => {
  it('chooses nothing when no rule fires', () => {
    const w = world();
    expect(w.choose({ cpu: calm, memory: calm, handles: calm })).toEqual({ dump: null, skips: [] });
  });

  it('chooses the firing rule, with its reading and its trigger', () => {
    const w = world();
    expect(w.choose({ cpu: calm, memory: hot })).toEqual({ dump: { rule: 'memory', reading: hot, trigger: 'abs' }, skips: [] });
  });

  it('takes one dump at a time: when two fire, the table order decides the first time', () => {
    const w = world();
    expect(w.choose({ cpu: hot, memory: hot }).dump?.rule).toBe('cpu');
  });

  it('gives the turn to the rule that dumped least recently, so a rule firing every tick cannot starve another', () => {
    const w = world();
    const turns: Rule[] = [];
    for (let tick = 0; tick < 4; tick++) {
      const { dump } = w.choose({ cpu: hot, memory: hot });
      turns.push(dump!.rule);
      w.dump(dump!.rule, 1000, 0);
      w.advance(5000);
    }
    expect(turns).toEqual(['cpu', 'memory', 'cpu', 'memory']);
  });

  it('keeps a rule in its cooldown quiet, and lets it fire once the cooldown is over', () => {
    const w = world();
    w.dump('cpu', 1000, 60_000);
    w.advance(59_999);
    expect(w.choose({ cpu: hot })).toEqual({ dump: null, skips: [] });
    w.advance(1);
    expect(w.choose({ cpu: hot }).dump?.rule).toBe('cpu');
  });

  it('decides nothing while a dump runs: the rules wait for a reading taken without one', () => {
    const w = world();
    w.budget.begin(w.now());
    w.states.cpu.lastStart = w.now();
    w.states.cpu.running = true;
    expect(w.choose({ cpu: hot, memory: hot })).toEqual({ dump: null, skips: [] });
  });

  it("turns a fire into a skip on the rule's own veto, and lets the next rule dump", () => {
    const w = world();
    const choice = w.choose({ handles: hot, memory: hot }, { memory: 'too big' });
    expect(choice.skips).toEqual([{ rule: 'memory', reason: 'memory rule fired but no dump was taken: too big' }]);
    expect(choice.dump?.rule).toBe('handles');
  });

  it('turns every fire into a skip once maxDumpsPerHour is spent, until the oldest dump is an hour old', () => {
    const w = world();
    const first = w.now();
    for (let i = 0; i < limits.maxDumpsPerHour; i++) {
      w.dump('cpu', 10, 0);
      w.advance(10);
    }
    const spent = w.choose({ cpu: hot, memory: hot });
    expect(spent.dump).toBeNull();
    expect(spent.skips.map((s) => s.rule)).toEqual(['memory', 'cpu']);
    expect(spent.skips[0]!.reason).toMatch(/20 dumps in the last hour reached maxDumpsPerHour \(20\)/);
    w.advance(first + 3_600_000 - w.now());
    expect(w.choose({ cpu: hot }).dump?.rule).toBe('cpu');
  });

  it('ignores a disabled rule and a reading still warming up', () => {
    const w = world();
    const disabled = chooseDump(
      w.now(),
      ORDER,
      { cpu: hot },
      {
        cpu: { config: { ...thresholds, enabled: false }, veto: null, state: w.states.cpu },
        memory: undefined,
        handles: undefined,
      },
      () => null,
    );
    expect(disabled).toEqual({ dump: null, skips: [] });
    expect(w.choose({ cpu: { ...hot, warm: false } })).toEqual({ dump: null, skips: [] });
  });
});
