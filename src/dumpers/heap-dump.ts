import type { Milliseconds } from '../config/spec.js';
import type { DumpContext, DumpOutput } from '../rules/define.js';
import { estimateSnapshot, readPreflight, snapshotVeto } from './heap-preflight.js';
import { captureHeapProfile } from './heap-profile.js';
import { writeHeapSnapshotTo } from './heap-snapshot.js';
import { writeProfile } from './write-profile.js';

/**
 * The dump of the memory and heap rules: a `.heapsnapshot` when it is affordable (stall, memory headroom, free disk:
 * all checked before writing), else a sampling heap profile of the next `profileDuration` ms. With `fallback: false`
 * (a snapshot asked for by name) an unaffordable snapshot is refused instead, with the reason.
 */
export async function dumpHeap(
  context: DumpContext,
  options: { maxSnapshotHeap: number; profileDuration: Milliseconds; fallback?: boolean },
): Promise<DumpOutput> {
  const { dir, baseName, signal, limits, skip } = context;
  await context.ready();
  const preflight = await readPreflight(dir.path, limits.memoryBytes, options.maxSnapshotHeap);
  const estimate = estimateSnapshot(preflight.heapUsed);
  const veto = snapshotVeto(preflight, estimate);
  if (veto && options.fallback === false) throw new Error(`heap snapshot refused: ${veto}`);
  if (veto) {
    skip(`heap snapshot not taken: ${veto}; taking a sampling heap profile instead`);
    const profile = await captureHeapProfile(options.profileDuration, signal);
    const output = await writeProfile(context, 'heap', profile);
    return { ...output, details: { ...output.details, fallback: 'sampling heap profile', snapshotSkipped: veto, estimate } };
  }
  const started = performance.now();
  const file = await dir.writeWith(`${baseName}.heapsnapshot`, (handle) => context.stall(() => writeHeapSnapshotTo(handle)));
  return { file, details: { writer: 'v8.writeHeapSnapshot', stallMs: Math.round(performance.now() - started), estimate } };
}
