import { booleanOption, numberOption, type Milliseconds } from '../config/spec.js';
import { dumpCpuProfile } from '../dumpers/cpu-dump.js';
import { CpuSource } from '../sources/cpu.js';
import { sampledRule, type RuleOptions } from './define.js';

/** Options of the CPU rule beyond the thresholds. */
export interface CpuOptions {
  /** Length of the CPU profile taken when the rule fires, in ms. Default 5000. */
  profileDuration: Milliseconds;
  /**
   * Keep a low-rate CPU profiler (10 ms sampling) running at all times, so the profile written when the rule fires
   * also holds the seconds *before* the trigger. Costs a profiler left running (see BENCHMARKS.md). Default false.
   */
  flightRecorder: boolean;
}

/** CPU rule: readings in percent of one core (or of the CPU quota when it is below one core). */
export type CpuRuleOptions = RuleOptions & CpuOptions;

/** Profile lengths allowed for every rule that profiles. */
export const profileDurationOption = numberOption(5000, 10, 600_000, 'ms', { integer: true });

/** CPU: % of the CPU the process may use (cgroup-aware); fires a CPU profile of the next `profileDuration` ms. */
export const cpuRule = sampledRule<'cpu', CpuOptions, CpuSource>({
  name: 'cpu',
  section: 'cpu',
  trigger: 'sampled',
  description: '% of the CPU the process may use (cgroup-aware); dumps a CPU profile',
  unit: '%',
  // holmes' defaults
  thresholds: { min: 10, diff: 25, abs: 70 },
  options: { profileDuration: profileDurationOption, flightRecorder: booleanOption(false) },
  formats: ['cpuprofile', 'pprof'],
  source: () => new CpuSource(null),
  dump: (context, config) => dumpCpuProfile(context, config.profileDuration),
});
