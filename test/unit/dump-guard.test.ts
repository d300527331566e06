import { describe, expect, it } from 'vitest';
import { DumpGuard } from '../../src/rules/dump-guard.js';

const HOUR = 3_600_000;
const limits = { maxDumpsPerHour: 3, cpuMax: 0 };

describe('DumpGuard', () => {
  it('allows one dump at a time: busy while one runs, free after', () => {
    const guard = new DumpGuard();
    expect(guard.check(0, 5, limits)).toBeNull();
    guard.begin(0);
    expect(guard.check(1, 5, limits)).toBe('busy');
    guard.end();
    expect(guard.check(2, 5, limits)).toBeNull();
  });

  it('holds at most maxDumpsPerHour starts in any sliding hour', () => {
    const guard = new DumpGuard();
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
    const result = new DumpGuard().check(0, cpu, { maxDumpsPerHour: 10, cpuMax });
    if (expected === null) expect(result).toBeNull();
    else expect(result).toMatch(expected);
  });
});

describe('DumpGuard.overlaps', () => {
  it('says whether a dump ran at any time since a moment, so a reading spanning a dump does not fire', () => {
    const guard = new DumpGuard();
    expect(guard.overlaps(0)).toBe(false);
    guard.begin(100);
    expect(guard.overlaps(50)).toBe(true); // running now
    guard.end(200);
    expect(guard.overlaps(150)).toBe(true); // ended after the previous reading
    expect(guard.overlaps(200)).toBe(true);
    expect(guard.overlaps(201)).toBe(false); // the next reading is the service's own again
  });
});
