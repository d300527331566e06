import type { RuleOptions, RuleName } from './options.js';
import type { Trigger } from './rules/rule.js';
import type { SeriesName } from './sampler.js';
import { hostFacts } from './sinks/dump-dir.js';
import type { Limits } from './sources/limits.js';

/** Units of each series, for people reading a reason. */
export const UNITS: Record<SeriesName, string> = { cpu: '%', memory: '%', handles: '', eventLoop: ' ms', heap: '%', gc: '%' };

/** Why a rule fired. */
export interface FireReason {
  rule: RuleName;
  value: number;
  /** Average of the previous `window` readings. */
  average: number;
  trigger: Trigger;
  thresholds: Pick<RuleOptions, 'min' | 'diff' | 'abs'>;
}

/** The `.meta.json` written beside every dump. */
export interface DumpMeta {
  kind: RuleName;
  /** File name of the dump, in the same directory. */
  file: string;
  /** One line a person can read: what fired and why. */
  summary: string;
  reason: FireReason;
  /** The last `window` readings of every series, oldest first, including the one that fired. */
  readings: Record<SeriesName, number[]>;
  limits: Limits;
  interval: number;
  window: number;
  pid: number;
  hostname: string;
  node: string;
  /** ISO times: when the rule fired and when the dump was complete. */
  startTime: string;
  endTime: string;
  /** Facts from the dumper (profiler backend, sample count, snapshot stall…). */
  details: Record<string, unknown>;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** `cpu 93.1% >= abs 70% (average 4.2%), min 10%` or `handles 540 >= 50% above average 120, min 100`. */
export function summarize(reason: FireReason): string {
  const unit = UNITS[reason.rule];
  const { value, average, trigger, thresholds } = reason;
  const condition = trigger === 'abs'
    ? `>= abs ${thresholds.abs}${unit} (average ${round(average)}${unit})`
    : `>= ${thresholds.diff}% above average ${round(average)}${unit}`;
  return `${reason.rule} ${round(value)}${unit} ${condition}, min ${thresholds.min}${unit}`;
}

export function buildMeta(fields: Omit<DumpMeta, 'summary' | 'pid' | 'hostname' | 'node'>): DumpMeta {
  return { ...fields, summary: summarize(fields.reason), ...hostFacts() };
}
