import * as fsp from 'node:fs/promises';
import { getHeapStatistics } from 'node:v8';

/** Measured on Node 20: a 340 MB heap wrote 690 MB, 186 MB wrote 397 MB. */
export const SNAPSHOT_BYTES_PER_HEAP_BYTE = 2.2;
/** Measured: 186 MB of heap stalled 22 s, 71 MB 7.2 s. Rounded up. */
export const SNAPSHOT_STALL_MS_PER_MB = 120;
/**
 * RSS a snapshot adds: a fixed part plus a part per byte of heap used. Measured on Node 20, 22, 24 and 26 with 17 and
 * 60 MB heaps (BENCHMARKS.md, "Heap snapshot: RSS added"): +161 to +209 MB for 17 MB, +448 to +626 MB for 60 MB, and
 * +1.4 to +1.8 GB for 174 MB (FACTS.md); the allocator keeps it after the write. 48 MB + 10.5 x heap used covers every
 * measurement, the streaming writer's included.
 */
export const SNAPSHOT_EXTRA_MEMORY_PER_HEAP_BYTE = 10.5;
export const SNAPSHOT_EXTRA_MEMORY_FIXED_BYTES = 48 * 2 ** 20;
/** Share of the memory limit kept free beyond the estimate (at least {@link SAFETY_BYTES}). */
export const SNAPSHOT_MARGIN_SHARE = 0.1;
const SAFETY_BYTES = 32 * 2 ** 20;

/** What a heap snapshot would cost now. */
export interface SnapshotEstimate {
  heapUsed: number;
  fileBytes: number;
  extraMemory: number;
  stallMs: number;
}

export interface PreflightInput {
  heapUsed: number;
  rss: number;
  memoryLimit: number;
  /** Free bytes for this user in the dump directory's filesystem; null when unknown. */
  freeDiskBytes: number | null;
  maxSnapshotHeap: number;
}

export function estimateSnapshot(heapUsed: number): SnapshotEstimate {
  return {
    heapUsed,
    fileBytes: Math.ceil(heapUsed * SNAPSHOT_BYTES_PER_HEAP_BYTE),
    extraMemory: SNAPSHOT_EXTRA_MEMORY_FIXED_BYTES + Math.ceil(heapUsed * SNAPSHOT_EXTRA_MEMORY_PER_HEAP_BYTE),
    stallMs: Math.ceil((heapUsed / 2 ** 20) * SNAPSHOT_STALL_MS_PER_MB),
  };
}

const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;

/**
 * Decides, before writing anything, whether a heap snapshot is affordable: the stall, the memory headroom under
 * the limit, and the free disk space. Returns the reason it is not, or null. Pure, so it is table-tested.
 */
export function snapshotVeto(input: PreflightInput, estimate = estimateSnapshot(input.heapUsed)): string | null {
  if (input.heapUsed > input.maxSnapshotHeap) {
    return `heap of ${mb(input.heapUsed)} is above memory.maxSnapshotHeap (${mb(input.maxSnapshotHeap)}); a snapshot would stall the event loop about ${Math.round(estimate.stallMs / 1000)} s`;
  }
  const margin = Math.max(SAFETY_BYTES, Math.ceil(input.memoryLimit * SNAPSHOT_MARGIN_SHARE));
  if (input.rss + estimate.extraMemory + margin > input.memoryLimit) {
    return `a snapshot would add about ${mb(estimate.extraMemory)} of RSS (${mb(SNAPSHOT_EXTRA_MEMORY_FIXED_BYTES)} + ${SNAPSHOT_EXTRA_MEMORY_PER_HEAP_BYTE} x ${mb(input.heapUsed)} of heap used) to ${mb(input.rss)}, over the memory limit of ${mb(input.memoryLimit)} less a margin of ${mb(margin)}`;
  }
  if (input.freeDiskBytes !== null && input.freeDiskBytes < estimate.fileBytes + SAFETY_BYTES) {
    return `a snapshot needs about ${mb(estimate.fileBytes)} of disk but only ${mb(input.freeDiskBytes)} is free in the dump directory`;
  }
  return null;
}

/** Free bytes available to this user where `dir` lives; null where `fs.statfs` is missing (Node < 18.15). */
export async function freeDiskBytes(dir: string): Promise<number | null> {
  // a namespace import: a named import of statfs would fail to link on Node < 18.15
  const statfs = (fsp as { statfs?: typeof fsp.statfs }).statfs;
  if (typeof statfs !== 'function') return null;
  const stats = await statfs(dir);
  return stats.bavail * stats.bsize;
}

/** The inputs for {@link snapshotVeto}, read now. */
export async function readPreflight(dir: string, memoryLimit: number, maxSnapshotHeap: number): Promise<PreflightInput> {
  return {
    heapUsed: getHeapStatistics().used_heap_size,
    rss: process.memoryUsage.rss(),
    memoryLimit,
    freeDiskBytes: await freeDiskBytes(dir),
    maxSnapshotHeap,
  };
}
