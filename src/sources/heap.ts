import { getHeapStatistics } from 'node:v8';

/**
 * Heap reading: V8 heap used as a percent of the heap limit. This, not RSS, is what ends a Node process with
 * "JavaScript heap out of memory", often far below the container's memory limit.
 */
export function heapUsedPercent(): number {
  const stats = getHeapStatistics();
  return (100 * stats.used_heap_size) / stats.heap_size_limit;
}
