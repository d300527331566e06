import { describe, it, expect } from 'vitest';
import { RuleState, type Gate } from '../../src/pipeline/rule-state.js';
import { decide, type ThresholdTrigger as Trigger, type Thresholds } from '../../src/rules/rule.js';
import { Sampler, SERIES_NAMES, type Reading, type SeriesName } from '../../src/sampler/sampler.js';

const T: Thresholds = { min: 10, diff: 25, abs: 70 };

interface Case {
  name: string;
  value: number;
  average: number;
  warm: boolean;
  t?: Partial<Thresholds>;
  expected: Trigger | null;
}

const cases: Case[] = [
  // warm-up
  { name: 'not warm, far above abs', value: 1000, average: 10, warm: false, expected: null },
  { name: 'not warm, far above the average', value: 60, average: 1, warm: false, expected: null },
  { name: 'first warm reading above abs fires', value: 1000, average: 10, warm: true, expected: 'abs' },
  { name: 'first warm reading above the average fires', value: 60, average: 1, warm: true, expected: 'diff' },
  // min
  { name: 'exactly at min with the diff condition met', value: 10, average: 8, warm: true, expected: 'diff' },
  { name: 'exactly at min with abs = min', value: 10, average: 10, warm: true, t: { abs: 10 }, expected: 'abs' },
  { name: 'exactly at min, diff condition not met', value: 10, average: 9, warm: true, expected: null },
  { name: 'just below min, diff condition met', value: 9.999, average: 1, warm: true, expected: null },
  { name: 'just below min even though >= abs', value: 9.999, average: 1, warm: true, t: { abs: 5 }, expected: null },
  // abs
  { name: 'exactly at abs', value: 70, average: 69, warm: true, expected: 'abs' },
  { name: 'just below abs, not enough above the average', value: 69.999, average: 69, warm: true, expected: null },
  { name: 'abs takes precedence over diff', value: 80, average: 10, warm: true, expected: 'abs' },
  { name: 'abs fires even below the average', value: 75, average: 95, warm: true, expected: 'abs' },
  // diff
  { name: 'exactly at average x (1 + diff/100)', value: 50, average: 40, warm: true, expected: 'diff' },
  { name: 'just below average x (1 + diff/100)', value: 49.999999, average: 40, warm: true, expected: null },
  { name: 'at the average', value: 40, average: 40, warm: true, expected: null },
  { name: 'below the average', value: 30, average: 40, warm: true, expected: null },
  { name: 'diff 100 exactly doubles', value: 60, average: 30, warm: true, t: { diff: 100 }, expected: 'diff' },
  { name: 'diff 100 just below double', value: 59.99, average: 30, warm: true, t: { diff: 100 }, expected: null },
  // average 0
  { name: 'average 0: a value at min fires diff (0 x 1.25 = 0)', value: 10, average: 0, warm: true, expected: 'diff' },
  { name: 'average 0: a value above min fires diff', value: 42, average: 0, warm: true, expected: 'diff' },
  { name: 'average 0: below min still null', value: 9, average: 0, warm: true, expected: null },
  { name: 'average 0 and min 0: 0 fires diff', value: 0, average: 0, warm: true, t: { min: 0 }, expected: 'diff' },
  // diff 0
  { name: 'diff 0: equal to the average fires', value: 40, average: 40, warm: true, t: { diff: 0 }, expected: 'diff' },
  { name: 'diff 0: just below the average is null', value: 39.999, average: 40, warm: true, t: { diff: 0 }, expected: null },
  { name: 'diff 0: not warm is null', value: 40, average: 40, warm: false, t: { diff: 0 }, expected: null },
];

describe('decide()', () => {
  it.each(cases)('$name -> $expected', ({ value, average, warm, t, expected }) => {
    expect(decide(value, average, warm, { ...T, ...t })).toBe(expected);
  });

  it('compares with the previous readings only (unlike Go holmes, which averages after pushing)', () => {
    // ring holds ten readings of 10; the eleventh reading is 12.5
    const previous = Array.from({ length: 10 }, () => 10);
    const value = 12.5;
    const t: Thresholds = { min: 10, diff: 25, abs: 70 };

    const pastAverage = previous.reduce((a, b) => a + b, 0) / previous.length;
    expect(pastAverage).toBe(10);
    expect(decide(value, pastAverage, true, t)).toBe('diff');

    // Go holmes: push first, then average the last ten readings including the new one → 10.25, and 10.25 x 1.25 = 12.8125
    const goWindow = [...previous.slice(1), value];
    const goAverage = goWindow.reduce((a, b) => a + b, 0) / goWindow.length;
    expect(goAverage).toBe(10.25);
    expect(decide(value, goAverage, true, t)).toBeNull();
  });

  it('through the Sampler: warm only from the reading after `window` readings, with the average of the previous ones', () => {
    const values = [...Array.from({ length: 10 }, () => 10), 12.5];
    let i = 0;
    const seen: Reading[] = [];
    const readers = {
      ...(Object.fromEntries(SERIES_NAMES.map((name) => [name, () => Number.NaN])) as Record<SeriesName, () => number>),
      cpu: () => values[i++]!,
    };
    const sampler = new Sampler(readers, 10, 1000, {
      onReadings: (r) => {
        if (r.cpu) seen.push(r.cpu);
      },
      onError: (error) => {
        throw error;
      },
    });
    for (let k = 0; k < values.length; k++) sampler.tick();
    expect(seen).toHaveLength(11);
    const decisions = seen.map((r) => decide(r.value, r.average, r.warm, T));
    // the first ten readings are warm-up: nothing fires even though the first one is far above an empty average
    expect(decisions.slice(0, 10)).toEqual(Array.from({ length: 10 }, () => null));
    expect(seen[10]).toEqual({ value: 12.5, average: 10, warm: true });
    expect(decisions[10]).toBe('diff');
  });
});

describe('RuleState.gate()', () => {
  interface GateCase {
    name: string;
    running?: boolean;
    cooledAt?: number;
    cooldown?: number;
    now: number;
    enabled: boolean;
    expected: Gate | null;
  }
  const gateCases: GateCase[] = [
    { name: 'fresh and enabled', now: 0, enabled: true, expected: null },
    { name: 'fresh and enabled at a real clock', now: Date.now(), enabled: true, expected: null },
    { name: 'disabled', now: 0, enabled: false, expected: 'disabled' },
    { name: 'disabled wins over running', running: true, now: 0, enabled: false, expected: 'disabled' },
    { name: 'disabled wins over cooldown', cooledAt: 1000, cooldown: 500, now: 1200, enabled: false, expected: 'disabled' },
    { name: 'running', running: true, now: 0, enabled: true, expected: 'running' },
    { name: 'running wins over cooldown', running: true, cooledAt: 1000, cooldown: 500, now: 1200, enabled: true, expected: 'running' },
    { name: 'just after cooldown starts', cooledAt: 1000, cooldown: 500, now: 1000, enabled: true, expected: 'cooldown' },
    { name: 'one ms before coolUntil', cooledAt: 1000, cooldown: 500, now: 1499, enabled: true, expected: 'cooldown' },
    { name: 'exactly at coolUntil', cooledAt: 1000, cooldown: 500, now: 1500, enabled: true, expected: null },
    { name: 'after coolUntil', cooledAt: 1000, cooldown: 500, now: 9999, enabled: true, expected: null },
    { name: 'cooldown 0 does not block', cooledAt: 1000, cooldown: 0, now: 1000, enabled: true, expected: null },
  ];

  it.each(gateCases)('$name -> $expected', ({ running, cooledAt, cooldown, now, enabled, expected }) => {
    const state = new RuleState();
    if (cooledAt !== undefined) state.coolDown(cooledAt, cooldown ?? 0);
    if (running) state.running = true;
    expect(state.gate(now, enabled)).toBe(expected);
  });

  it('a later coolDown replaces the earlier window', () => {
    const state = new RuleState();
    state.coolDown(1000, 10_000);
    expect(state.gate(5000, true)).toBe('cooldown');
    state.coolDown(1000, 100);
    expect(state.gate(5000, true)).toBeNull();
  });
});
