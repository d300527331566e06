import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import type { Source } from '../rules/define.js';

const MB = 2 ** 20;
/** V8's semi-space ceiling on 64-bit before Node 22; later versions go higher, which the reading then observes. */
const DEFAULT_SEMI_SPACE = 16 * MB;

/** `--max-old-space-size` from the command line or NODE_OPTIONS (the last one wins, as in Node), in bytes; null if absent. */
export function oldSpaceFlag(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): number | null {
  const args = [...nodeOptions.split(/\s+/), ...execArgv];
  let megabytes: number | null = null;
  for (let i = 0; i < args.length; i++) {
    const match = /^--max[-_]old[-_]space[-_]size(?:=(\d+))?$/.exec(args[i]!);
    if (!match) continue;
    const value = Number(match[1] ?? args[i + 1]);
    if (Number.isFinite(value) && value > 0) megabytes = value;
  }
  return megabytes === null ? null : megabytes * MB;
}

/**
 * Heap reading: the old generation's use as a percent of its limit. This, not RSS, is what ends a Node process with
 * "JavaScript heap out of memory", often far below the container's memory limit. `heap_size_limit` also counts the
 * young generation (3 semi-spaces); on Node 24 with `--max-old-space-size=96` that is 288 MB, and a process dies of
 * OOM at about 33 % of it, so the young generation is taken out of both sides.
 */
export class HeapSource implements Source<unknown> {
  private semiSpace = DEFAULT_SEMI_SPACE;
  private readonly oldLimitFlag = oldSpaceFlag();

  read(): number {
    const stats = getHeapStatistics();
    let young = 0;
    for (const space of getHeapSpaceStatistics()) {
      if (space.space_name === 'new_space') {
        young += space.space_used_size;
        // new_space reports both semi-spaces; it grows toward its ceiling under allocation
        this.semiSpace = Math.max(this.semiSpace, space.space_size / 2);
      } else if (space.space_name === 'new_large_object_space') {
        young += space.space_used_size;
      }
    }
    const oldLimit = Math.min(this.oldLimitFlag ?? Infinity, stats.heap_size_limit - 3 * this.semiSpace);
    return (100 * (stats.used_heap_size - young)) / oldLimit;
  }
}
