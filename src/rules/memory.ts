import { captureHeapProfile } from '../dumpers/heap-profile.js';
import { estimateSnapshot, readPreflight, snapshotVeto } from '../dumpers/heap-preflight.js';
import { writeHeapSnapshotTo } from '../dumpers/heap-snapshot.js';
import type { SnapshotRuleOptions } from '../options.js';
import type { RuleKind } from './kind.js';
import { writeProfile } from './write-profile.js';

/**
 * Memory rule (RSS), and the heap rule, which dumps the same way: a `.heapsnapshot` when it is affordable (stall,
 * memory headroom, free disk: all checked before writing), else a sampling heap profile of the next `profileDuration` ms.
 */
export const memoryRule: RuleKind<SnapshotRuleOptions> = {
  async dump(context, config) {
    const { dir, baseName, signal, limits, skip } = context;
    await context.ready();
    const preflight = await readPreflight(dir.path, limits.memoryBytes, config.maxSnapshotHeap);
    const estimate = estimateSnapshot(preflight.heapUsed);
    const veto = snapshotVeto(preflight, estimate);
    if (veto) {
      skip(`heap snapshot not taken: ${veto}; taking a sampling heap profile instead`);
      const profile = await captureHeapProfile(config.profileDuration, signal);
      const output = await writeProfile(context, 'heap', profile);
      return { ...output, details: { ...output.details, fallback: 'sampling heap profile', snapshotSkipped: veto, estimate } };
    }
    const started = performance.now();
    const file = await dir.writeWith(`${baseName}.heapsnapshot`, (path) => context.stall(() => writeHeapSnapshotTo(path)));
    return { file, details: { writer: 'v8.writeHeapSnapshot', stallMs: Math.round(performance.now() - started), estimate } };
  },
};
