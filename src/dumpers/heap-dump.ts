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
export async function dumpHeap(context: DumpContext, options: { maxSnapshotHeap: number }): Promise<DumpOutput> {
  const { dir, baseName, limits, skip } = context;
  await context.ready();
  // the snapshot's fate is decided first, on the readings before anything is written
  const preflight = await readPreflight(dir.path, limits.memoryBytes, options.maxSnapshotHeap);
  const estimate = estimateSnapshot(preflight.heapUsed);
  const veto = snapshotVeto(preflight, estimate);
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
  const started = performance.now();
  const snapshot = await dir.writeWith(`${baseName}.heapsnapshot`, (path) => context.stall(() => writeHeapSnapshotTo(path)));
  const stallMs = Math.round(performance.now() - started);
  const rssAfter = process.memoryUsage.rss();
  // the allocator keeps what the snapshot took: the memory rule must not count it as the service's
  ownRss.record(now.rss, rssAfter);
  const snapshotDetails = {
    writer: 'v8.writeHeapSnapshot',
    stallMs,
    estimate: estimateSnapshot(now.heapUsed),
    rssBeforeBytes: now.rss,
    rssAfterBytes: rssAfter,
  };
  if (!written) return { file: snapshot, details: snapshotDetails };
  const files = [...((written.details?.files as string[] | undefined) ?? []), snapshot.slice(dir.path.length + 1)];
  return { file: written.file, details: { ...written.details, files, snapshot: snapshotDetails } };
}
