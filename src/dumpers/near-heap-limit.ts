import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, lstat, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import * as v8 from 'node:v8';
import type { Logger } from '../logger.js';
import { type DumpDir, dumpBaseName, isAlive } from '../sinks/dump-dir.js';
import { buildMeta, writeMeta, type WrittenDump } from '../sinks/meta.js';
import type { Limits } from '../sources/limits.js';
import { estimateSnapshot } from './heap-preflight.js';

/** What Node names what it writes itself: `Heap.<date>.<time>.<pid>.<thread>.<seq>.heapsnapshot` (or `.heapprofile`). */
const NODE_DUMP = /^Heap\.\d{8}\.\d{6}\.(\d+)\.\d+\.\d+\.(heapsnapshot|heapprofile)$/;

/** `v8.setHeapProfileNearHeapLimit`, on the lines that have it (Node 26): the running sampling heap profile near the limit. */
const setHeapProfileNearHeapLimit = (v8 as { setHeapProfileNearHeapLimit?: (limit: number) => void }).setHeapProfileNearHeapLimit;
/** A marker in the dump directory: this process armed the hook, and where its snapshot will land. */
const MARKER = /^\.holmes-armed-(\d+)\.json$/;
/** Tells this process's marker from that of a dead process with the same pid (a container's service is often pid 1). */
const TOKEN = randomBytes(8).toString('hex');

interface Marker {
  pid: number;
  token: string;
  /** Where V8 writes: `--diagnostic-dir`, else the working directory when armed. */
  dir: string;
  armedAt: number;
  heapLimitBytes: number;
}

/** Largest adopted heap profile checked by parsing it whole. */
const PARSED_PROFILE_BYTES = 64 * 2 ** 20;

/** V8 takes the near-heap-limit callback once per process and cannot take it back. */
let armedInProcess = false;

/** The value of a Node flag given on the command line or in NODE_OPTIONS, or true when given bare; undefined when absent. */
function nodeFlag(name: string): string | true | undefined {
  const args = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean)];
  let found: string | true | undefined;
  args.forEach((arg, i) => {
    if (arg === name) found = args[i + 1] !== undefined && !args[i + 1]!.startsWith('-') ? args[i + 1]! : true;
    else if (arg.startsWith(`${name}=`)) found = arg.slice(name.length + 1);
  });
  return found;
}

/** Where Node writes the snapshot it takes near the heap limit: `--diagnostic-dir`, else the working directory. */
export function diagnosticDir(): string {
  const flag = nodeFlag('--diagnostic-dir');
  return typeof flag === 'string' ? (isAbsolute(flag) ? flag : resolve(flag)) : process.cwd();
}

/**
 * Arms V8's near-heap-limit hook (`v8.setHeapSnapshotNearHeapLimit(1)`): a heap that reaches its limit, however fast,
 * leaves a complete snapshot, written by Node just before the abort. Only when that snapshot fits under the memory
 * limit: taken at the heap limit, it adds about {@link estimateSnapshot} of it in RSS. Where the line has it (Node 26),
 * `v8.setHeapProfileNearHeapLimit(1)` too: the running sampling heap profile (holmes-node's or the host's), written
 * first and cheaply. A marker in the dump directory tells the next `start()` on it where they land, to adopt them.
 * Returns why the snapshot was not armed, or null.
 */
export async function armNearHeapLimit(dir: DumpDir, limits: Limits): Promise<string | null> {
  if (nodeFlag('--heapsnapshot-near-heap-limit') !== undefined) return 'the host set --heapsnapshot-near-heap-limit: its snapshots are left to it';
  const heapLimitBytes = v8.getHeapStatistics().heap_size_limit;
  const extra = estimateSnapshot(heapLimitBytes).extraMemory;
  const rss = process.memoryUsage.rss();
  if (rss + extra > limits.memoryBytes) {
    const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;
    return `a snapshot at the heap limit (${mb(heapLimitBytes)}) would add about ${mb(extra)} of RSS to ${mb(rss)}, over the memory limit of ${mb(limits.memoryBytes)}`;
  }
  if (!armedInProcess) {
    setHeapProfileNearHeapLimit?.(1);
    v8.setHeapSnapshotNearHeapLimit(1);
  }
  armedInProcess = true;
  const marker: Marker = { pid: process.pid, token: TOKEN, dir: diagnosticDir(), armedAt: Date.now(), heapLimitBytes };
  await dir.writeFile(`.holmes-armed-${process.pid}.json`, JSON.stringify(marker));
  return null;
}

/**
 * Whether complete: Node writes the JSON whole, and a process killed mid-write leaves less. A profile is small and is
 * parsed; a snapshot (hundreds of MB) must end as its last section does, `]}`.
 */
async function complete(path: string, extension: string): Promise<boolean> {
  const handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  try {
    const { size } = await handle.stat();
    if (extension === 'heapprofile' && size <= PARSED_PROFILE_BYTES) {
      try {
        JSON.parse(await handle.readFile('utf8'));
        return true;
      } catch {
        return false;
      }
    }
    const tail = Buffer.alloc(Math.min(16, size));
    await handle.read(tail, 0, tail.length, size - tail.length);
    return tail
      .toString('latin1')
      .trimEnd()
      .endsWith(extension === 'heapsnapshot' ? ']}' : '}');
  } finally {
    await handle.close();
  }
}

/** Moves a file into the dump directory (a copy where it is on another filesystem), 0600. */
async function move(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await copyFile(from, to, constants.COPYFILE_EXCL);
    await unlink(from);
  }
  const handle = await open(to, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  await handle.chmod(0o600).finally(() => handle.close());
}

/**
 * Adopts the snapshots Node wrote near the heap limit for processes that armed the hook on this dump directory and
 * have died since (or for this process, which survived one): each is moved into the directory under holmes-node's
 * naming (`heap-<time>-<pid>.heapsnapshot`) with its `.meta.json`, reason "near heap limit, adopted". Only regular
 * files owned by this user are taken; an incomplete one is left where it is, with a warning.
 */
export async function adoptNearHeapLimitDumps(dir: DumpDir, logger: Logger): Promise<WrittenDump[]> {
  const adopted: WrittenDump[] = [];
  const taken = new Set<string>();
  const startedAt = Date.now() - process.uptime() * 1000;
  for (const name of await readdir(dir.path)) {
    const match = MARKER.exec(name);
    if (!match) continue;
    const markerPath = join(dir.path, name);
    let marker: Marker;
    try {
      marker = JSON.parse(await readFile(markerPath, 'utf8')) as Marker;
    } catch {
      continue;
    }
    const ours = marker.token === TOKEN;
    const dead = marker.pid === process.pid ? marker.armedAt < startedAt && !ours : !isAlive(marker.pid);
    if (!ours && !dead) continue;
    let files: string[] = [];
    try {
      files = (await readdir(marker.dir)).filter((file) => Number(NODE_DUMP.exec(file)?.[1]) === marker.pid);
    } catch {
      // the directory is gone: nothing to adopt
    }
    for (const file of files) {
      const from = join(marker.dir, file);
      const info = await lstat(from);
      if (!info.isFile() || info.uid !== process.getuid?.() || info.mtimeMs < marker.armedAt) continue;
      const extension = NODE_DUMP.exec(file)![2]!;
      if (!(await complete(from, extension))) {
        logger.warn(`${from}: an incomplete dump V8 began near the heap limit; left where it is`);
        continue;
      }
      // a profile and a snapshot written in the same millisecond get distinct names
      let at = info.mtime.getTime();
      while (taken.has(dumpBaseName('heap', new Date(at), marker.pid))) at++;
      const baseName = dumpBaseName('heap', new Date(at), marker.pid);
      taken.add(baseName);
      const target = join(dir.path, `${baseName}.${extension}`);
      await move(from, target);
      const what = extension === 'heapsnapshot' ? 'snapshot' : 'sampling heap profile';
      const summary = `heap near its limit of ${Math.round(marker.heapLimitBytes / 2 ** 20)} MB: ${what} written by V8 before the abort, adopted`;
      const meta = buildMeta({
        kind: 'heap',
        file: `${baseName}.${extension}`,
        summary,
        reason: { rule: 'heap', value: marker.heapLimitBytes, average: 0, trigger: 'nearHeapLimit', thresholds: { heapLimitBytes: marker.heapLimitBytes } },
        startTime: info.mtime.toISOString(),
        endTime: info.mtime.toISOString(),
        details: {
          reason: 'near heap limit, adopted',
          writer: extension === 'heapsnapshot' ? 'v8.setHeapSnapshotNearHeapLimit' : 'v8.setHeapProfileNearHeapLimit',
          from,
          bytes: info.size,
          adoptedBy: process.pid,
        },
      });
      // the meta tells of the process that died, not of the one adopting
      adopted.push(await writeMeta(dir, baseName, target, { ...meta, pid: marker.pid }));
      logger.info(`adopted ${from} as ${target}: ${summary}`);
    }
    if (!ours) await unlink(markerPath).catch(() => undefined);
  }
  return adopted;
}
