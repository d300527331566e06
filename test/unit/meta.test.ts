import { describe, it, expect } from 'vitest';
import { hostname } from 'node:os';
import { summarize } from '../../src/pipeline/dump-pipeline.js';
import { RULE_NAMES, UNITS } from '../../src/rules/registry.js';
import { buildMeta, type ThresholdReason as FireReason } from '../../src/sinks/meta.js';
import type { Limits } from '../../src/sources/limits.js';

describe('summarize', () => {
  it.each<[string, FireReason, string]>([
    [
      'cpu abs',
      { rule: 'cpu', value: 93.126, average: 4.2049, trigger: 'abs', thresholds: { min: 10, diff: 25, abs: 70 } },
      'cpu 93.13% >= abs 70% (average 4.2%), min 10%',
    ],
    [
      'cpu diff',
      { rule: 'cpu', value: 50, average: 40, trigger: 'diff', thresholds: { min: 10, diff: 25, abs: 70 } },
      'cpu 50% >= 25% above average 40%, min 10%',
    ],
    [
      'memory abs',
      { rule: 'memory', value: 81.5, average: 60, trigger: 'abs', thresholds: { min: 10, diff: 25, abs: 80 } },
      'memory 81.5% >= abs 80% (average 60%), min 10%',
    ],
    [
      'handles diff (no unit)',
      { rule: 'handles', value: 540, average: 120, trigger: 'diff', thresholds: { min: 100, diff: 50, abs: 10_000 } },
      'handles 540 >= 50% above average 120, min 100',
    ],
    [
      'handles abs',
      { rule: 'handles', value: 12_345, average: 99.999, trigger: 'abs', thresholds: { min: 100, diff: 50, abs: 10_000 } },
      'handles 12345 >= abs 10000 (average 100), min 100',
    ],
  ])('%s', (_name, reason, expected) => {
    const line = summarize(reason);
    expect(line).toBe(expected);
    expect(line).not.toContain('\n');
    expect(line.startsWith(`${reason.rule} `)).toBe(true);
    expect(line).toContain(reason.trigger === 'abs' ? `abs ${reason.thresholds.abs}` : `${reason.thresholds.diff}% above average`);
  });

  it('has a unit for every series', () => {
    expect(UNITS).toMatchObject({ cpu: '%', memory: '%', handles: '', eventLoop: ' ms', heap: '%', gc: '%' });
    expect(Object.keys(UNITS)).toEqual(RULE_NAMES);
  });
});

describe('buildMeta', () => {
  const limits: Limits = { cpuCores: null, memoryBytes: 8 << 30, cpuSource: 'none', memorySource: 'machine', cgroupVersion: null };
  const reason: FireReason = { rule: 'cpu', value: 93, average: 4, trigger: 'abs', thresholds: { min: 10, diff: 25, abs: 70 } };
  const fields = {
    kind: 'cpu' as const,
    file: 'cpu-20261125T061313.123Z-1.cpuprofile',
    reason,
    readings: { cpu: [1, 2, 93], memory: [10, 10, 10], handles: [20, 21, 22], eventLoop: [], heap: [], gc: [] },
    limits,
    interval: 5000,
    window: 10,
    startTime: '2026-11-25T06:13:13.123Z',
    endTime: '2026-11-25T06:13:18.200Z',
    details: { profiler: 'inspector', samples: 42 },
    summary: summarize(reason),
  };

  it('adds the host facts to the given fields', () => {
    const meta = buildMeta(fields);
    expect(meta).toEqual({
      ...fields,
      summary: summarize(reason),
      pid: process.pid,
      hostname: hostname(),
      node: process.version,
    });
    expect(meta.summary).toBe('cpu 93% >= abs 70% (average 4%), min 10%');
    expect(meta.node).toMatch(/^v\d+\.\d+\.\d+/);
  });

  it('survives a JSON round trip unchanged', () => {
    const meta = buildMeta(fields);
    expect(JSON.parse(JSON.stringify(meta))).toEqual(meta);
  });
});
