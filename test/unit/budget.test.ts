import { describe, expect, it } from 'vitest';
import { DumpBudget } from '../../src/pipeline/budget.js';

const HOUR = 3_600_000;
const limits = { maxDumpsPerHour: 3, cpuMax: 0 };

describe('DumpBudget', () => {
  it('allows one dump at a time: busy while one runs, free after', () => {
    const guard = new DumpBudget();
    expect(guard.check(0, 5, limits)).toBeNull();
    guard.begin(0);
    expect(guard.check(1, 5, limits)).toBe('busy');
    guard.end();
    expect(guard.check(2, 5, limits)).toBeNull();
  });

  it('holds at most maxDumpsPerHour starts in any sliding hour', () => {
    const guard = new DumpBudget();
    for (const t of [0, 10, 20]) {
      expect(guard.check(t, undefined, limits)).toBeNull();
      guard.begin(t);
      guard.end();
    }
    expect(guard.check(30, undefined, limits)).toMatch(/3 dumps in the last hour reached maxDumpsPerHour \(3\)/);
    expect(guard.check(HOUR - 1, undefined, limits)).toMatch(/maxDumpsPerHour/);
    // the first start leaves the window exactly one hour later
    expect(guard.check(HOUR, undefined, limits)).toBeNull();
  });

  it.each([
    [0, 100, null],
    [80, 79.9, null],
    [80, 80, /CPU at 80% is at or above cpuMax \(80%\)/],
    [80, 150, /CPU at 150%/],
    [80, undefined, null],
  ] as const)('cpuMax %s with a reading of %s', (cpuMax, cpu, expected) => {
    const result = new DumpBudget().check(0, cpu, { maxDumpsPerHour: 10, cpuMax });
    if (expected === null) expect(result).toBeNull();
    else expect(result).toMatch(expected);
  });
});

describe('DumpBudget.overlaps', () => {
  it('says whether a dump ran at any time since a moment, so a reading spanning a dump does not fire', () => {
    const guard = new DumpBudget();
    expect(guard.overlaps(0)).toBe(false);
    guard.begin(100);
    expect(guard.overlaps(50)).toBe(true); // running now
    guard.end(200);
    expect(guard.overlaps(150)).toBe(true); // ended after the previous reading
    expect(guard.overlaps(200)).toBe(true);
    expect(guard.overlaps(201)).toBe(false); // the next reading is the service's own again
  });
});

describe('DumpBudget and dumps written on another thread', () => {
  it('counts a recorded watchdog dump against the hour, without making the budget busy', () => {
    const budget = new DumpBudget();
    budget.record(0);
    budget.record(5);
    expect(budget.check(6, undefined, limits)).not.toBe('busy');
    expect(budget.remaining(10, 3)).toBe(1);
    expect(budget.check(10, undefined, limits)).toBeNull();
    budget.record(10);
    expect(budget.remaining(11, 3)).toBe(0);
    expect(budget.check(11, undefined, limits)).toMatch(/3 dumps in the last hour/);
    expect(budget.remaining(HOUR, 3)).toBe(1);
  });

  it('counts dumps another thread wrote but this one has not heard of yet', () => {
    const budget = new DumpBudget();
    budget.record(0);
    expect(budget.check(1, undefined, limits, 1)).toBeNull();
    expect(budget.check(1, undefined, limits, 2)).toMatch(/3 dumps in the last hour reached maxDumpsPerHour/);
  });
});
