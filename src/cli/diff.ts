import { basename, resolve } from 'node:path';
import { functionCosts, type Unit } from '../analysis/calltree.js';
import { DumpFileError } from '../analysis/errors.js';
import { diffTotals, heapTotals, type ClassDelta, type HeapTotals } from '../analysis/heap-summary.js';
import { readHeapSnapshot } from '../analysis/heapsnapshot.js';
import { FORMAT_NAMES, aFormat, analysing, detectFormat, loadProfile, parseDumpName, type DumpFormat } from '../analysis/load.js';
import { COMMON_HELP, intOption, stringOption, type Command } from './command.js';
import { UsageError, formatBytes, formatCount, formatDelta, formatValue, table } from './output.js';

/** Growth of the heap between two snapshots, by constructor. */
export interface HeapDiffReport {
  before: string;
  after: string;
  format: 'heapsnapshot';
  /** Why the comparison may mislead (different processes, files in the wrong order); empty when none. */
  notes: string[];
  objectsBefore: number;
  objectsAfter: number;
  sizeBefore: number;
  sizeAfter: number;
  /** Whether `newCount`/`newSize` are known: object ids only compare within one process. */
  idsComparable: boolean;
  classes: ClassDelta[];
}

/** One function's change between two profiles. */
export interface FunctionDelta {
  name: string;
  location: string;
  selfBefore: number;
  selfAfter: number;
  selfDelta: number;
  totalBefore: number;
  totalAfter: number;
  totalDelta: number;
}

/** Growth between two heap profiles (or other profiles), by function. */
export interface ProfileDiffReport {
  before: string;
  after: string;
  format: DumpFormat;
  notes: string[];
  unit: Unit;
  totalBefore: number;
  totalAfter: number;
  functions: FunctionDelta[];
}

/** Warnings when the two files do not look like two moments of one process, in order. */
function orderNotes(before: string, after: string): { notes: string[]; sameProcess: boolean } {
  const a = parseDumpName(basename(before));
  const b = parseDumpName(basename(after));
  const notes: string[] = [];
  let sameProcess = true;
  if (a && b) {
    if (a.pid !== b.pid) {
      sameProcess = false;
      notes.push(`the dumps come from different processes (pid ${a.pid} and ${b.pid}): only totals compare, not objects`);
    }
    if (a.time.getTime() > b.time.getTime()) notes.push('the first dump is the newer one: growth shows as a negative change');
  } else {
    notes.push('the file names do not tell the pid: "new" objects assume both dumps come from one process');
  }
  return { notes, sameProcess };
}

function diffProfiles(before: string, after: string, format: DumpFormat, top: number, sampleType: string | undefined): ProfileDiffReport {
  const options = sampleType ? { sampleType } : {};
  const a = loadProfile(before, format, options);
  const b = loadProfile(after, format, options);
  if (a.tree.unit !== b.tree.unit) throw new DumpFileError(`${after}: measures ${b.tree.measure}, but ${before} measures ${a.tree.measure}`);
  const key = (c: { name: string; location: string }) => `${c.name}\u0000${c.location}`;
  const rows = new Map<string, FunctionDelta>();
  const row = (c: { name: string; location: string }) => {
    let r = rows.get(key(c));
    if (!r) {
      r = { name: c.name, location: c.location, selfBefore: 0, selfAfter: 0, selfDelta: 0, totalBefore: 0, totalAfter: 0, totalDelta: 0 };
      rows.set(key(c), r);
    }
    return r;
  };
  for (const c of functionCosts(a.tree)) {
    const r = row(c);
    r.selfBefore += c.self;
    r.totalBefore += c.total;
  }
  for (const c of functionCosts(b.tree)) {
    const r = row(c);
    r.selfAfter += c.self;
    r.totalAfter += c.total;
  }
  for (const r of rows.values()) {
    r.selfDelta = r.selfAfter - r.selfBefore;
    r.totalDelta = r.totalAfter - r.totalBefore;
  }
  const sum = (values: Float64Array) => values.reduce((s, v) => s + v, 0);
  return {
    before,
    after,
    format,
    notes: orderNotes(before, after).notes,
    unit: a.tree.unit,
    totalBefore: sum(a.tree.self),
    totalAfter: sum(b.tree.self),
    functions: [...rows.values()].sort((x, y) => y.selfDelta - x.selfDelta || y.totalDelta - x.totalDelta || x.name.localeCompare(y.name)).slice(0, top),
  };
}

function loadTotals(file: string, since?: HeapTotals): HeapTotals {
  const snapshot = readHeapSnapshot(file);
  try {
    return analysing(file, 'heapsnapshot', () => heapTotals(snapshot, since));
  } finally {
    snapshot.close();
  }
}

function diffHeaps(before: string, after: string, top: number, sort: 'size' | 'count'): HeapDiffReport {
  const { notes, sameProcess } = orderNotes(before, after);
  // one snapshot in memory at a time: the first is reduced to totals before the second is read
  const a = loadTotals(before);
  const b = loadTotals(after, sameProcess ? a : undefined);
  return {
    before,
    after,
    format: 'heapsnapshot',
    notes,
    objectsBefore: a.nodeCount,
    objectsAfter: b.nodeCount,
    sizeBefore: a.totalSize,
    sizeAfter: b.totalSize,
    idsComparable: sameProcess,
    classes: diffTotals(a, b, sort).slice(0, top),
  };
}

function renderHeapDiff(r: HeapDiffReport): string {
  const rows = r.classes.map((c) => [
    formatDelta(c.sizeDelta, formatBytes),
    formatDelta(c.countDelta, formatCount),
    formatBytes(c.sizeAfter),
    formatCount(c.countAfter),
    ...(r.idsComparable ? [formatCount(c.newCount ?? 0), formatBytes(c.newSize ?? 0)] : []),
    c.name,
  ]);
  const headers = ['size Δ', 'count Δ', 'size after', 'count after', ...(r.idsComparable ? ['new objects', 'new size'] : []), 'constructor'];
  return [
    `${basename(r.before)} → ${basename(r.after)}: ${FORMAT_NAMES.heapsnapshot}s`,
    `total ${formatBytes(r.sizeBefore)} → ${formatBytes(r.sizeAfter)} (${formatDelta(r.sizeAfter - r.sizeBefore, formatBytes)}), objects ${formatCount(r.objectsBefore)} → ${formatCount(r.objectsAfter)} (${formatDelta(r.objectsAfter - r.objectsBefore, formatCount)})`,
    ...r.notes.map((n) => `note: ${n}`),
    '',
    `Constructors that grew most${r.idsComparable ? ' ("new": objects born after the first snapshot and still alive)' : ''}`,
    table(
      headers,
      rows,
      headers.map((_, i) => i < headers.length - 1),
    ),
  ].join('\n');
}

function renderProfileDiff(r: ProfileDiffReport): string {
  const v = (value: number) => formatValue(value, r.unit);
  const rows = r.functions.map((f) => [formatDelta(f.selfDelta, v), formatDelta(f.totalDelta, v), v(f.selfAfter), f.name, f.location]);
  return [
    `${basename(r.before)} → ${basename(r.after)}: ${FORMAT_NAMES[r.format]}s`,
    `total ${v(r.totalBefore)} → ${v(r.totalAfter)} (${formatDelta(r.totalAfter - r.totalBefore, v)})`,
    ...r.notes.map((n) => `note: ${n}`),
    '',
    'Functions that grew most',
    table(['self Δ', 'total Δ', 'self after', 'function', 'location'], rows, [true, true, true, false, false]),
  ].join('\n');
}

/** `holmes-node diff A B` */
export const diffCommand: Command = {
  name: 'diff',
  summary: 'compare two heap snapshots (or two heap profiles) of one process: what grew',
  help: `Usage: holmes-node diff BEFORE AFTER [--top N] [--sort size|count] [--json]

Compares two dumps of the same process, older first:
  two .heapsnapshot files   constructors by growth in shallow size (or count), with the
                            objects born after the first snapshot and still alive in the second
  two .heapprofile files    allocating functions by growth in live sampled bytes
  two .pb.gz / .cpuprofile  functions by growth in their value

Options:
  --top N              rows (default 20)
  --sort size|count    heap snapshots: rank by size growth (default) or by count growth
  --sample-type TYPE   pprof: the sample type to compare
${COMMON_HELP}`,
  options: {
    top: { type: 'string' },
    sort: { type: 'string' },
    'sample-type': { type: 'string' },
  },
  arity: [2, 2],
  run(args, out) {
    const [before, after] = args.positionals.map((p) => resolve(p)) as [string, string];
    const top = intOption(args, 'top', 20);
    const sort = stringOption(args, 'sort') ?? 'size';
    if (sort !== 'size' && sort !== 'count') throw new UsageError(`--sort wants size or count, not ${JSON.stringify(sort)}`);
    const formatA = detectFormat(before);
    const formatB = detectFormat(after);
    if (formatA !== formatB) {
      throw new DumpFileError(`cannot compare ${aFormat(formatA)} (${basename(before)}) with ${aFormat(formatB)} (${basename(after)})`);
    }
    if (formatA === 'handles' || formatA === 'block')
      throw new DumpFileError(`diff compares heap snapshots and profiles, not ${FORMAT_NAMES[formatA]}s; see holmes-node show`);
    if (formatA === 'heapsnapshot') out.emit(diffHeaps(before, after, top, sort), renderHeapDiff);
    else out.emit(diffProfiles(before, after, formatA, top, stringOption(args, 'sample-type')), renderProfileDiff);
  },
};
