import { getHeapStatistics } from 'node:v8';
import { DumpSkipped, type DumpContext, type DumpOutput } from '../rules/define.js';
import { ownRss } from '../sources/own-rss.js';
import { estimateSnapshot, readPreflight, snapshotVeto } from './heap-preflight.js';
import { writeLiveHeapProfile } from './heap-profile.js';
import { writeHeapSnapshotTo } from './heap-snapshot.js';

/**
 * The dump of the memory and heap rules. First, at once and with no stall, the live heap by allocation site from the
 * always-on sampling heap profiler (`.heapprofile`, or pprof). Then a `.heapsnapshot`, which shows what retains the
 * objects, only when it is safe: the RSS it adds fits under the memory limit with a margin, its stall under
 * `maxSnapshotHeap`, its file on the disk. Otherwise a `skip` event gives the estimate and the limit.
 */
export async function dumpHeap(context: DumpContext, options: { maxSnapshotHeap: number; snapshotOnly?: boolean }): Promise<DumpOutput> {
  const { dir, limits, skip } = context;
  await context.ready();
  // the snapshot's fate is decided first, on the readings before anything is written
  const preflight = await readPreflight(dir.path, limits.memoryBytes, options.maxSnapshotHeap);
  const estimate = estimateSnapshot(preflight.heapUsed);
  const veto = snapshotVeto(preflight, estimate);
  // a snapshot asked for by name (on demand) is refused with the reason, never swapped for a profile
  if (options.snapshotOnly) {
    if (veto) throw new Error(`heap snapshot refused: ${veto}`);
    return writeSnapshot(context, preflight);
  }
  if (veto) skip(`heap snapshot not taken: ${veto}`);
  const profiled = await writeLiveHeapProfile(context, context.heapSampler);
  // a profile with no samples is never written; with no snapshot either, the dump is skipped as a whole
  const written = typeof profiled === 'string' ? null : profiled;
  // the heap may have grown while the profile was written: judge the snapshot again on what it would cost now
  const now = { ...preflight, heapUsed: getHeapStatistics().used_heap_size, rss: process.memoryUsage.rss() };
  const late = veto ? null : snapshotVeto(now);
  if (late) skip(`heap snapshot not taken: ${late}`);
  const refused = veto ?? late ?? (context.signal.aborted ? 'stop() was called' : null);
  if (refused) {
    if (!written) throw new DumpSkipped(`heap profile not written: ${profiled as string}`);
    return { ...written, details: { ...written.details, snapshotSkipped: refused, estimate: estimateSnapshot(now.heapUsed) } };
  }
  if (!written) skip(`heap profile not written: ${profiled as string}`);
  const { file: snapshot, details: snapshotDetails } = await writeSnapshot(context, now);
  if (!written) return { file: snapshot, details: snapshotDetails };
  const files = [...((written.details?.files as string[] | undefined) ?? []), snapshot.slice(dir.path.length + 1)];
  return { file: written.file, details: { ...written.details, files, snapshot: snapshotDetails } };
}

/** Writes the snapshot and books the RSS it leaves behind, so the memory rule does not count it as the service's. */
async function writeSnapshot(context: DumpContext, before: { heapUsed: number; rss: number }): Promise<DumpOutput> {
  const started = performance.now();
  const file = await context.dir.writeWith(`${context.baseName}.heapsnapshot`, (handle) => context.stall(() => writeHeapSnapshotTo(handle)));
  const stallMs = Math.round(performance.now() - started);
  const rssAfter = process.memoryUsage.rss();
  // the allocator keeps what the snapshot took (BENCHMARKS.md): it is holmes-node's, not the service's
  ownRss.record(before.rss, rssAfter);
  const details = { writer: 'v8.writeHeapSnapshot', stallMs, estimate: estimateSnapshot(before.heapUsed), rssBeforeBytes: before.rss, rssAfterBytes: rssAfter };
  return { file, details };
}
