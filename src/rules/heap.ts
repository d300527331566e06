import { dumpHeap } from '../dumpers/heap-dump.js';
import { HeapSource } from '../sources/heap.js';
import { sampledRule, type RuleOptions } from './define.js';
import { snapshotOptions, type SnapshotOptions } from './memory.js';

/** Heap rule: V8 heap used, in percent of the heap limit (what "JavaScript heap out of memory" is about). */
export type HeapRuleOptions = RuleOptions & SnapshotOptions;

/** V8 heap near its limit; dumps like the memory rule. */
export const heapRule = sampledRule<'heap', SnapshotOptions, HeapSource>({
  name: 'heap',
  section: 'heap',
  trigger: 'sampled',
  description: 'V8 old-generation heap as % of its limit; dumps like the memory rule',
  unit: '%',
  // the heap swings with every GC cycle: fire only high up, near the limit
  thresholds: { min: 70, diff: 20, abs: 90 },
  options: snapshotOptions,
  formats: ['heapsnapshot', 'heapprofile', 'pprof'],
  source: () => new HeapSource(),
  dump: (context, config) => dumpHeap(context, config),
});
