import { lstat, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isAlive, parseDumpFileName } from './dump-dir.js';

export interface RetentionLimits {
  maxDumps: number;
  maxDumpBytes: number;
}

interface Dump {
  base: string;
  kind: string;
  pid: number;
  time: number;
  files: string[];
  bytes: number;
}

/**
 * Keeps the directory within `maxDumps` dumps and `maxDumpBytes` bytes, counting every process's dumps in it (a
 * dump and its meta go together). The policy, for many processes sharing one directory (cluster, PM2, a volume):
 *
 * - never removed: the dump named `keep` (just written), and the newest dump of each kind of each live process, so
 *   no process deletes another's only evidence of a kind (a worker's CPU profiles cannot prune a sibling's
 *   `.block.json`). The directory may therefore exceed the bounds by at most one dump per kind per live process;
 * - the rest go oldest first, taken from the kind with the most dumps first, so a flood of one kind gives way
 *   before the single dumps of another.
 *
 * Only holmes-node's own regular files are ever removed. Returns the base names removed.
 */
export async function enforceRetention(dir: string, limits: RetentionLimits, keep: string | null, live: (pid: number) => boolean = isAlive): Promise<string[]> {
  const dumps = new Map<string, Dump>();
  for (const name of await readdir(dir)) {
    // only holmes-node's own names: nothing else in the directory is ever removed
    const own = parseDumpFileName(name);
    if (!own) continue;
    const info = await lstat(join(dir, name)).catch(() => undefined);
    if (!info?.isFile()) continue;
    const { base } = own;
    const dump = dumps.get(base) ?? { base, kind: own.kind, pid: own.pid, time: own.time.getTime(), files: [], bytes: 0 };
    dump.files.push(name);
    dump.bytes += info.size;
    dumps.set(base, dump);
  }
  const all = [...dumps.values()].sort((a, b) => a.time - b.time);
  let count = all.length;
  let bytes = all.reduce((sum, dump) => sum + dump.bytes, 0);
  if (count <= limits.maxDumps && bytes <= limits.maxDumpBytes) return [];

  // the newest of each (kind, pid) of a live process, and `keep`, are out of reach
  const newest = new Map<string, Dump>();
  for (const dump of all) newest.set(`${dump.kind}/${dump.pid}`, dump);
  const livePids = new Set([...newest.values()].map((dump) => dump.pid).filter((pid) => live(pid)));
  const protectedBases = new Set([...newest.values()].filter((dump) => livePids.has(dump.pid)).map((dump) => dump.base));
  if (keep) protectedBases.add(keep);

  // removable dumps per kind, oldest first
  const byKind = new Map<string, Dump[]>();
  for (const dump of all) {
    if (protectedBases.has(dump.base)) continue;
    byKind.set(dump.kind, [...(byKind.get(dump.kind) ?? []), dump]);
  }
  const removed: string[] = [];
  while (count > limits.maxDumps || bytes > limits.maxDumpBytes) {
    // the kind with the most removable dumps gives up its oldest; on a tie, the older dump goes
    let victims: Dump[] | undefined;
    for (const list of byKind.values()) {
      if (list.length === 0) continue;
      if (!victims || list.length > victims.length || (list.length === victims.length && list[0]!.time < victims[0]!.time)) victims = list;
    }
    const dump = victims?.shift();
    if (!dump) break;
    await Promise.all(dump.files.map((name) => unlink(join(dir, name)).catch(() => undefined)));
    count--;
    bytes -= dump.bytes;
    removed.push(dump.base);
  }
  return removed;
}
