import { writeHeapSnapshotTo } from '../dumpers/heap-snapshot.js';
import type { MemoryRuleOptions } from '../options.js';
import type { RuleKind } from './kind.js';

/** Memory rule: on fire, write a `.heapsnapshot` (blocks the event loop for the whole write). */
export const memoryRule: RuleKind<MemoryRuleOptions> = {
  extension: 'heapsnapshot',
  async dump({ dir, baseName }) {
    const started = performance.now();
    const file = await dir.writeWith(`${baseName}.heapsnapshot`, writeHeapSnapshotTo);
    return { file, details: { writer: 'v8.writeHeapSnapshot', stallMs: Math.round(performance.now() - started) } };
  },
};
