import { numberOption, type Milliseconds } from '../config/spec.js';
import { dumpHeap } from '../dumpers/heap-dump.js';
import { MemorySource } from '../sources/memory.js';
import { profileDurationOption } from './cpu.js';
import { sampledRule, type RuleOptions } from './define.js';

/** Options of a rule that writes a heap snapshot, or a sampling heap profile when a snapshot is not affordable. */
export interface SnapshotOptions {
  /**
   * Largest V8 heap (used bytes) holmes-node will snapshot. A snapshot stops the event loop about 120 ms per MB of
   * heap (measured: 186 MB took 22 s), so above this a sampling heap profile is taken instead. Default 128 MiB.
   */
  maxSnapshotHeap: number;
  /** Length of the sampling heap profile taken when a snapshot is not affordable, in ms. Default 5000. */
  profileDuration: Milliseconds;
}

/** Memory rule: RSS in percent of the memory limit. */
export type MemoryRuleOptions = RuleOptions & SnapshotOptions;

/** The snapshot options, shared with the heap rule. */
export const snapshotOptions = {
  maxSnapshotHeap: numberOption(128 * 2 ** 20, 0, Number.MAX_SAFE_INTEGER, 'bytes', { integer: true }),
  profileDuration: profileDurationOption,
};

/** Memory: RSS as % of the memory limit (cgroup-aware); dumps a heap snapshot, or a heap profile when one is not affordable. */
export const memoryRule = sampledRule<'memory', SnapshotOptions, MemorySource>({
  name: 'memory',
  section: 'memory',
  trigger: 'sampled',
  description: 'RSS as % of the memory limit (cgroup-aware); dumps a heap snapshot (a sampling heap profile when one is not affordable)',
  unit: '%',
  // holmes' defaults
  thresholds: { min: 10, diff: 25, abs: 80 },
  options: snapshotOptions,
  formats: ['heapsnapshot', 'heapprofile', 'pprof'],
  source: () => new MemorySource(),
  dump: (context, config) => dumpHeap(context, config),
});
