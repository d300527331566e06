import { captureHeapProfile } from '../dumpers/heap-profile.js';
import { estimateSnapshot, readPreflight, snapshotVeto } from '../dumpers/heap-preflight.js';
import { writeHeapSnapshotTo } from '../dumpers/heap-snapshot.js';
import type { MemoryRuleOptions } from '../options.js';
import type { RuleKind } from './kind.js';

/**
 * Memory rule: on fire, write a `.heapsnapshot` when it is affordable (stall, memory headroom, free disk: checked
 * before writing), else a sampling heap profile (`.heapprofile`) of the next `profileDuration` ms.
 */
export const memoryRule: RuleKind<MemoryRuleOptions> = {
  async dump({ dir, baseName, signal, limits, skip }, config) {
    const preflight = await readPreflight(dir.path, limits.memoryBytes, config.maxSnapshotHeap);
    const estimate = estimateSnapshot(preflight.heapUsed);
    const veto = snapshotVeto(preflight, estimate);
    if (veto) {
      skip(`heap snapshot not taken: ${veto}; taking a sampling heap profile instead`);
      const profile = await captureHeapProfile(config.profileDuration, signal);
      const file = await dir.writeFile(`${baseName}.heapprofile`, JSON.stringify(profile));
      return { file, details: { fallback: 'sampling heap profile', snapshotSkipped: veto, estimate } };
    }
    const started = performance.now();
    const file = await dir.writeWith(`${baseName}.heapsnapshot`, writeHeapSnapshotTo);
    return { file, details: { writer: 'v8.writeHeapSnapshot', stallMs: Math.round(performance.now() - started), estimate } };
  },
};
