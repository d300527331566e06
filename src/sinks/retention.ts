import { lstat, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** File names holmes-node writes: `<kind>-<YYYYMMDDTHHMMSS.mmmZ>-<pid>.<ext>`. Nothing else in the directory is ever removed. */
export const OWN_FILE = /^([a-zA-Z]+-\d{8}T\d{6}\.\d{3}Z-\d+)\.[a-z.]+$/;

export interface RetentionLimits {
  maxDumps: number;
  maxDumpBytes: number;
}

interface Dump {
  base: string;
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
    const match = OWN_FILE.exec(name);
    if (!match) continue;
    const info = await lstat(join(dir, name)).catch(() => undefined);
    if (!info?.isFile()) continue;
    const base = match[1]!;
    const dump = dumps.get(base) ?? { base, files: [], bytes: 0 };
    dump.files.push(name);
    dump.bytes += info.size;
    dumps.set(base, dump);
  }
  // the timestamp sits after the kind: order by it, not by the kind
  const oldestFirst = [...dumps.values()].sort((a, b) => stamp(a.base).localeCompare(stamp(b.base)));
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

function stamp(base: string): string {
  return base.slice(base.indexOf('-') + 1);
}
