import { closeSync, readSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { HandlesDump } from '../dumpers/handles.js';
import type { DumpMeta } from '../sinks/meta.js';
import { parseDumpFileName, type DumpFileName } from '../sinks/dump-dir.js';
import { FORMATS, META_EXTENSION, type DumpFormat } from '../sinks/formats.js';
import type { BlockFile } from '../watchdog/dump.js';
import type { StackFrame } from '../watchdog/protocol.js';
import type { CallTree } from './calltree.js';
import { cpuProfileTree, isCpuProfile, type CpuProfileFacts } from './cpuprofile.js';
import { DumpFileError, InputRefusedError, describeFsError, firstLine } from './errors.js';
import { isHandlesDump } from './handles.js';
import { heapProfileTree, isHeapProfile } from './heapprofile.js';
import { openInput, readInput } from './input.js';
import { inputLimits, overLimit } from './limits.js';
import { isGzip, pprofTree, type PprofFacts } from './pprof.js';
import { asNumber, asText, nestsDeeperThan } from './text.js';

export type { DumpFormat };

/** Human names of the formats, for messages. */
export const FORMAT_NAMES = Object.fromEntries(Object.entries(FORMATS).map(([format, { name }]) => [format, name])) as Record<DumpFormat, string>;

/** `a CPU profile`, `an event-loop block stack`: for messages. */
export function aFormat(format: DumpFormat): string {
  const name = FORMAT_NAMES[format];
  return `${/^[aeiou]/i.test(name) ? 'an' : 'a'} ${name}`;
}

/** What a dump's file name says: `<kind>-<UTC timestamp>-<pid>.<extension>` (the library's own definition). */
export type DumpName = DumpFileName;

const EXTENSIONS = Object.entries(FORMATS).map(([format, { extension }]) => [`.${extension}`, format as DumpFormat] as const);
/** JSON profiles are a few MB; past this a file is not one (and would not fit in one JS string anyway). */
const MAX_JSON_BYTES = 512 * 1024 * 1024 - 1024;
/**
 * Deepest nesting accepted in a JSON dump other than a heap profile (whose tree nests as deep as the stack, and is
 * walked without recursion). holmes-node's own files nest 5 levels; a planted 100,000-deep file would overflow the
 * stack of whatever prints it.
 */
const MAX_JSON_DEPTH = 64;

/** Parses a dump file name; null for names holmes-node does not write (temporary files included). */
export function parseDumpName(name: string): DumpName | null {
  // any extension: kinds and formats are added over time, and `ls` should list what it cannot yet read
  const parsed = parseDumpFileName(name);
  return parsed && parsed.extension !== META_EXTENSION ? parsed : null;
}

/** The format a file name promises, or null for an unknown extension. */
export function formatOf(path: string): DumpFormat | null {
  const name = basename(path);
  for (const [extension, format] of EXTENSIONS) if (name.endsWith(extension)) return format;
  return null;
}

function readHead(path: string, bytes: number): Buffer {
  const { fd } = openInput(path);
  try {
    const buf = Buffer.alloc(bytes);
    const read = readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, read);
  } catch (error) {
    throw new DumpFileError(describeFsError(error, path), { cause: error });
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads and parses a JSON file, with one-line errors for a missing, special, empty, oversized, truncated or too deeply
 * nested file. `maxDepth` bounds the nesting (Infinity for formats walked without recursion).
 */
export function readJsonFile(path: string, what: string, maxDepth = MAX_JSON_DEPTH): unknown {
  const cap = Math.min(inputLimits().maxInputBytes, MAX_JSON_BYTES);
  const text = readInput(path, cap).toString('utf8');
  if (text.trim() === '') throw new DumpFileError(`${path}: empty file`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DumpFileError(`${path}: not valid JSON, truncated or damaged (${firstLine(error)})`, { cause: error });
  }
  if (maxDepth !== Number.POSITIVE_INFINITY && nestsDeeperThan(value, maxDepth))
    throw new DumpFileError(`${path}: damaged ${what} (nested deeper than ${maxDepth} levels)`);
  return value;
}

/** One frame of an event-loop block stack: 1-based line and column. */
/** One frame of a blocked loop's stack, innermost first, 1-based (the watchdog's own definition). */
export type BlockFrame = StackFrame;

/**
 * A `.block.json` as read: the writer's {@link BlockFile}, of which a file written by another version of holmes-node
 * may lack all but the block's length and stack.
 */
export type BlockDump = Pick<BlockFile, 'blockedMs' | 'stack'> & Partial<BlockFile>;

/** Whether `value` has the shape of a `.block.json`. */
export function isBlockDump(value: unknown): value is BlockDump {
  const b = value as BlockDump | null;
  return !!b && typeof b === 'object' && typeof b.blockedMs === 'number' && Array.isArray(b.stack);
}

function shapeOf(value: unknown): DumpFormat | null {
  if (isCpuProfile(value)) return 'cpuprofile';
  if (isHeapProfile(value)) return 'heapprofile';
  if (isHandlesDump(value)) return 'handles';
  if (isBlockDump(value)) return 'block';
  return null;
}

/**
 * The format of a file: from its extension when it is one holmes-node writes, else from its first bytes
 * (and, for JSON, its shape). The content is checked later by the reader of that format.
 * @throws {DumpFileError} when the file is missing or matches no format.
 */
export function detectFormat(path: string): DumpFormat {
  const head = readHead(path, 256);
  const byName = formatOf(path);
  if (byName) return byName;
  if (head.length === 0) throw new DumpFileError(`${path}: empty file`);
  if (isGzip(head)) return 'pprof';
  if (/^\s*\{\s*"snapshot"\s*:/.test(head.toString('latin1'))) return 'heapsnapshot';
  if (!/^\s*\{/.test(head.toString('latin1')))
    throw new DumpFileError(`${path}: not a file holmes-node reads (expected ${Object.values(FORMAT_NAMES).join(', ')})`);
  const format = shapeOf(readJsonFile(path, 'profile', Infinity));
  if (!format) throw new DumpFileError(`${path}: JSON, but not a CPU profile, heap profile, heap snapshot, handles dump or block stack`);
  return format;
}

/** A profile as a call tree, with what its format tells beside. */
export interface LoadedProfile {
  format: 'cpuprofile' | 'heapprofile' | 'pprof';
  tree: CallTree;
  cpu?: CpuProfileFacts;
  pprof?: PprofFacts;
}

/** The one-line error for a file whose content a reader rejected. */
function damaged(path: string, format: DumpFormat, error: unknown): DumpFileError {
  if (error instanceof DumpFileError) return error;
  if (error instanceof InputRefusedError) return new DumpFileError(`${path}: refused: ${error.message}`, { cause: error });
  return new DumpFileError(`${path}: damaged ${FORMAT_NAMES[format]} (${firstLine(error)})`, { cause: error });
}

/**
 * Runs the analysis of a file read from a dump. The file may be damaged or planted in ways no reader foresaw: a fault
 * in its analysis is reported as the file's, in one line naming it, never as an internal error.
 */
export function analysing<T>(path: string, format: DumpFormat, run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw damaged(path, format, error);
  }
}

/** Refuses a count over its limit before anything is built from it. */
function checkCount(path: string, count: number, what: string, key: 'maxSamples' | 'maxNodes'): void {
  if (count > inputLimits()[key]) throw new DumpFileError(`${path}: refused: ${overLimit(`${count} ${what}`, key)}`);
}

/**
 * Loads a CPU profile, sampling heap profile or pprof file as a call tree.
 * @throws {DumpFileError} when the file is missing, damaged, or another kind of dump.
 */
export function loadProfile(path: string, format: DumpFormat, options: { sampleType?: string } = {}): LoadedProfile {
  if (format === 'pprof') {
    const bytes = readInput(path);
    if (bytes.length === 0) throw new DumpFileError(`${path}: empty file`);
    try {
      const { tree, facts } = pprofTree(bytes, options.sampleType);
      return { format, tree, pprof: facts };
    } catch (error) {
      if ((error as Error).message?.startsWith('no sample type "')) throw new DumpFileError(`${path}: ${(error as Error).message}`);
      throw damaged(path, format, error);
    }
  }
  if (format !== 'cpuprofile' && format !== 'heapprofile') {
    // a block stack is one stack, not a profile: `show` reads it
    throw new DumpFileError(`${path}: ${aFormat(format)} is not a profile; this command reads CPU profiles, heap profiles and pprof files`);
  }
  const value = readJsonFile(path, FORMAT_NAMES[format], format === 'heapprofile' ? Infinity : MAX_JSON_DEPTH);
  const actual = shapeOf(value);
  if (actual !== format) {
    throw new DumpFileError(`${path}: not ${aFormat(format)}${actual ? ` (it holds ${aFormat(actual)})` : ''}`);
  }
  try {
    if (format === 'cpuprofile' && isCpuProfile(value)) {
      checkCount(path, value.nodes.length, 'nodes', 'maxNodes');
      if (Array.isArray(value.samples)) checkCount(path, value.samples.length, 'samples', 'maxSamples');
      const { tree, facts } = cpuProfileTree(value);
      return { format, tree, cpu: facts };
    }
    if (isHeapProfile(value)) return { format, tree: heapProfileTree(value, inputLimits().maxNodes) };
  } catch (error) {
    throw damaged(path, format, error);
  }
  throw new DumpFileError(`${path}: not ${aFormat(format)}`);
}

/**
 * Loads a `.handles.json`.
 * @throws {DumpFileError} when the file is missing, damaged or not a handles dump.
 */
export function loadHandles(path: string): HandlesDump {
  const value = readJsonFile(path, FORMAT_NAMES.handles);
  if (!isHandlesDump(value)) {
    const actual = shapeOf(value);
    throw new DumpFileError(`${path}: not a handles dump${actual ? ` (it holds ${aFormat(actual)})` : ''}`);
  }
  return value;
}

/**
 * Loads a `.block.json`.
 * @throws {DumpFileError} when the file is missing, damaged or not a block stack.
 */
export function loadBlock(path: string): BlockDump {
  const value = readJsonFile(path, FORMAT_NAMES.block);
  if (!isBlockDump(value)) {
    const actual = shapeOf(value);
    throw new DumpFileError(`${path}: not an event-loop block stack${actual ? ` (it holds ${aFormat(actual)})` : ''}`);
  }
  // the fields the report prints, each of the type it prints (a damaged file may hold anything there)
  const frame = (f: Partial<Record<keyof BlockFrame, unknown>> | null): BlockFrame => ({
    functionName: asText(f?.functionName),
    url: asText(f?.url),
    lineNumber: asNumber(f?.lineNumber),
    columnNumber: asNumber(f?.columnNumber),
  });
  return {
    ...value,
    stack: value.stack.map((f) => frame(f && typeof f === 'object' ? f : null)),
    blockMs: typeof value.blockMs === 'number' ? value.blockMs : undefined,
    stackError: value.stackError === undefined ? undefined : asText(value.stackError),
  } as BlockDump;
}

/** The `.meta.json` beside a dump, as read: the meta, or why it could not be read (null for both when there is none). */
export interface MetaRead {
  meta: DumpMeta | null;
  /** One line naming the meta file and what is wrong with it. */
  problem: string | null;
}

/** Reads the `.meta.json` beside a dump; a damaged, special or planted meta file is a problem, never a throw. */
export function readMetaOf(dumpPath: string): MetaRead {
  const name = basename(dumpPath);
  const parsed = parseDumpName(name);
  const format = formatOf(name);
  const base = parsed?.base ?? (format ? name.slice(0, name.length - EXTENSIONS.find(([, f]) => f === format)![0].length) : null);
  if (!base) return { meta: null, problem: null };
  const path = join(dirname(dumpPath), `${base}.${META_EXTENSION}`);
  try {
    const meta = readJsonFile(path, 'meta file');
    if (!meta || typeof meta !== 'object' || Array.isArray(meta)) throw new DumpFileError(`${path}: damaged meta file (not a JSON object)`);
    return { meta: meta as DumpMeta, problem: null };
  } catch (error) {
    if ((error as DumpFileError).cause && ((error as DumpFileError).cause as NodeJS.ErrnoException).code === 'ENOENT') return { meta: null, problem: null };
    return { meta: null, problem: error instanceof DumpFileError ? error.message : `${path}: ${firstLine(error)}` };
  }
}

/** The `.meta.json` beside a dump, or null when there is none or it cannot be read. */
export function readMeta(dumpPath: string): DumpMeta | null {
  return readMetaOf(dumpPath).meta;
}
