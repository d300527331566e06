import { booleanOption } from '../config/spec.js';
import { dumpHeap } from '../dumpers/heap-dump.js';
import { HeapSource } from '../sources/heap.js';
import { sampledRule, type RuleOptions } from './define.js';
import { snapshotOptions, type SnapshotOptions } from './memory.js';

/** Options of the heap rule beyond the thresholds. */
export interface HeapOptions extends SnapshotOptions {
  /**
   * Arm V8's near-heap-limit hook at `start()` (`v8.setHeapSnapshotNearHeapLimit(1)`), so a heap that reaches its
   * limit faster than a reading leaves a complete snapshot, adopted into `dumpDir`. Armed only when a snapshot at the
   * heap limit fits under the memory limit; once armed, it stays for the life of the process (V8 cannot disarm it).
   * Default true.
   */
  nearHeapLimit: boolean;
}

/** Heap rule: V8 heap used, in percent of the heap limit (what "JavaScript heap out of memory" is about). */
export type HeapRuleOptions = RuleOptions & HeapOptions;

/** V8 heap near its limit; dumps like the memory rule, and arms the near-heap-limit snapshot. */
export const heapRule = sampledRule<'heap', HeapOptions, HeapSource>({
  name: 'heap',
  section: 'heap',
  trigger: 'sampled',
  description: 'V8 old-generation heap as % of its limit; dumps like the memory rule; a snapshot by V8 itself at the heap limit',
  unit: '%',
  // the heap swings with every GC cycle: fire only high up, near the limit
  thresholds: { min: 70, diff: 20, abs: 90 },
  options: { ...snapshotOptions, nearHeapLimit: booleanOption(true) },
  formats: ['heapprofile', 'pprof', 'heapsnapshot'],
  source: () => new HeapSource(),
  dump: (context, config) => dumpHeap(context, config),
});
