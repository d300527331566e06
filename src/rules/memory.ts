import { numberOption } from '../config/spec.js';
import { dumpHeap } from '../dumpers/heap-dump.js';
import { HEAP_SAMPLING_INTERVAL_BYTES } from '../dumpers/heap-profile.js';
import { MemorySource } from '../sources/memory.js';
import { sampledRule, type RuleOptions } from './define.js';

/** Options of a rule that writes the live heap profile, and a heap snapshot when one is safe. */
export interface SnapshotOptions {
  /**
   * Largest V8 heap (used bytes) holmes-node will snapshot. A snapshot stops the event loop about 120 ms per MB of
   * heap (measured: 186 MB took 22 s), so above this only the heap profile is written. 0 = never snapshot.
   * Default 128 MiB.
   */
  maxSnapshotHeap: number;
}

/** Options of the memory rule beyond the thresholds. */
export interface MemoryOptions extends SnapshotOptions {
  /**
   * Average bytes allocated between two samples of the always-on sampling heap profiler (running while the memory,
   * heap or gc rule is on). Smaller is finer and costlier. Default 512 KiB; allowed 1 KiB to 1 GiB.
   */
  samplingInterval: number;
}

/** Memory rule: RSS in percent of the memory limit. */
export type MemoryRuleOptions = RuleOptions & MemoryOptions;

/** The snapshot options, shared with the heap rule. */
export const snapshotOptions = {
  maxSnapshotHeap: numberOption(128 * 2 ** 20, 0, Number.MAX_SAFE_INTEGER, 'bytes', { integer: true }),
};

/** Memory: RSS as % of the memory limit (cgroup-aware), less holmes-node's own snapshots; dumps the live heap profile, and a snapshot when safe. */
export const memoryRule = sampledRule<'memory', MemoryOptions, MemorySource>({
  name: 'memory',
  section: 'memory',
  trigger: 'sampled',
  description: 'RSS as % of the memory limit (cgroup-aware); dumps the live heap profile at once, and a heap snapshot when it fits',
  unit: '%',
  // holmes' defaults
  thresholds: { min: 10, diff: 25, abs: 80 },
  options: { ...snapshotOptions, samplingInterval: numberOption(HEAP_SAMPLING_INTERVAL_BYTES, 1024, 2 ** 30, 'bytes', { integer: true }) },
  formats: ['heapprofile', 'pprof', 'heapsnapshot'],
  source: () => new MemorySource(),
  dump: (context, config) => dumpHeap(context, config),
});
