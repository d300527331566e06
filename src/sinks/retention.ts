import { lstat, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDumpFileName } from './dump-dir.js';

export interface RetentionLimits {
  maxDumps: number;
  maxDumpBytes: number;
}

interface Dump {
  base: string;
  time: number;
  files: string[];
  bytes: number;
}

/**
 * Keeps the directory within `maxDumps` dumps and `maxDumpBytes` bytes by removing the oldest of holmes-node's own
 * dumps first (a dump and its meta go together). The dump named `keep` (just written), if any, is never removed.
 * Returns the base names removed.
 */
export async function enforceRetention(dir: string, limits: RetentionLimits, keep: string | null): Promise<string[]> {
  const dumps = new Map<string, Dump>();
  for (const name of await readdir(dir)) {
    // only holmes-node's own names: nothing else in the directory is ever removed
    const own = parseDumpFileName(name);
    if (!own) continue;
    const info = await lstat(join(dir, name)).catch(() => undefined);
    if (!info?.isFile()) continue;
    const { base } = own;
    const dump = dumps.get(base) ?? { base, time: own.time.getTime(), files: [], bytes: 0 };
    dump.files.push(name);
    dump.bytes += info.size;
    dumps.set(base, dump);
  }
  const oldestFirst = [...dumps.values()].sort((a, b) => a.time - b.time);
  let count = oldestFirst.length;
  let bytes = oldestFirst.reduce((sum, dump) => sum + dump.bytes, 0);
  const removed: string[] = [];
  for (const dump of oldestFirst) {
    if (count <= limits.maxDumps && bytes <= limits.maxDumpBytes) break;
    if (dump.base === keep) continue;
    await Promise.all(dump.files.map((name) => unlink(join(dir, name)).catch(() => undefined)));
    count--;
    bytes -= dump.bytes;
    removed.push(dump.base);
  }
  return removed;
}
