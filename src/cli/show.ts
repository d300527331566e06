import { basename, resolve } from 'node:path';
import { frameLocation, functionCosts, topBy, type FunctionCost, type Unit } from '../analysis/calltree.js';
import { summarizeHandles, type HandlesSummary } from '../analysis/handles.js';
import { summarizeHeap, type ClassStats, type HeapSummary, type LargeObject } from '../analysis/heap-summary.js';
import { readHeapSnapshot } from '../analysis/heapsnapshot.js';
import { asNumber, asText } from '../analysis/text.js';
import {
  FORMAT_NAMES,
  analysing,
  detectFormat,
  loadBlock,
  loadHandles,
  loadProfile,
  readMeta,
  type BlockDump,
  type DumpFormat,
  type LoadedProfile,
} from '../analysis/load.js';
import type { DumpMeta } from '../sinks/meta.js';
import { COMMON_HELP, intOption, stringOption, type Command } from './command.js';
import { formatBytes, formatCount, formatMicros, formatPercent, formatValue, table } from './output.js';

/** What the meta file adds to a report: why and when the dump was taken. */
export interface MetaFacts {
  summary: string;
  kind: string;
  pid: number;
  hostname: string;
  node: string;
  startTime: string;
}

/** The part of a `.meta.json` worth repeating in a report, each field of the type it prints (the file may be planted). */
export function metaFacts(meta: DumpMeta | null): MetaFacts | null {
  if (!meta) return null;
  return {
    summary: asText(meta.summary),
    kind: asText(meta.kind),
    pid: asNumber(meta.pid),
    hostname: asText(meta.hostname),
    node: asText(meta.node),
    startTime: asText(meta.startTime),
  };
}

/** Header lines: the file, its kind, and the reason from its meta file. */
export function headerLines(file: string, description: string, meta: MetaFacts | null): string {
  const lines = [`${basename(file)}: ${description}`];
  if (meta) {
    lines.push(`reason: ${meta.summary}`);
    lines.push(`taken ${meta.startTime} from pid ${meta.pid} on ${meta.hostname} (Node ${meta.node})`);
  }
  return lines.join('\n');
}

/** Report of a profile: top functions by self and by total value. */
export interface ProfileReport {
  file: string;
  format: DumpFormat;
  meta: MetaFacts | null;
  unit: Unit;
  measure: string;
  /** Sum of all values: the profile's total CPU time, bytes or samples. */
  total: number;
  facts: Record<string, unknown>;
  bySelf: FunctionCost[];
  byTotal: FunctionCost[];
}

/** The top functions of a loaded profile. */
export function profileReport(file: string, profile: LoadedProfile, meta: MetaFacts | null, top: number): ProfileReport {
  const costs = functionCosts(profile.tree);
  let total = 0;
  for (const v of profile.tree.self) total += v;
  return {
    file,
    format: profile.format,
    meta,
    unit: profile.tree.unit,
    measure: profile.tree.measure,
    total,
    facts: { ...(profile.cpu ?? {}), ...(profile.pprof ?? {}) },
    bySelf: topBy(costs, (c) => c.self, top).filter((c) => c.self > 0),
    byTotal: topBy(costs, (c) => c.total, top).filter((c) => c.total > 0),
  };
}

/** One-line facts about a profile, for headers. */
export function profileFacts(report: Pick<ProfileReport, 'format' | 'unit' | 'measure' | 'total' | 'facts'>): string {
  const parts = [FORMAT_NAMES[report.format]];
  const f = report.facts;
  if (report.format === 'cpuprofile') {
    parts.push(`${formatMicros(Number(f.duration))}`, `${formatCount(Number(f.samples))} samples`);
    if (Number(f.interval) > 0) parts.push(`every ${formatMicros(Number(f.interval))}`);
  } else if (report.format === 'pprof') {
    parts.push(`${report.measure} ${formatValue(report.total, report.unit)}`, `${formatCount(Number(f.samples))} samples`);
    if (Number(f.durationNanos) > 0) parts.push(`over ${formatMicros(Number(f.durationNanos) / 1000)}`);
  } else {
    parts.push(`${formatValue(report.total, report.unit)} ${report.measure}`);
  }
  return parts.join(', ');
}

function costTable(costs: FunctionCost[], unit: Unit, first: 'self' | 'total'): string {
  const rows = costs.map((c) => {
    const self = [formatValue(c.self, unit), formatPercent(c.selfPercent)];
    const total = [formatValue(c.total, unit), formatPercent(c.totalPercent)];
    return [...(first === 'self' ? [...self, ...total] : [...total, ...self]), c.name, c.location];
  });
  const headers = first === 'self' ? ['self', '%', 'total', '%', 'function', 'location'] : ['total', '%', 'self', '%', 'function', 'location'];
  return table(headers, rows, [true, true, true, true, false, false]);
}

function renderProfile(report: ProfileReport): string {
  const what = report.unit === 'bytes' ? 'allocated bytes' : report.measure === 'CPU time' ? 'time' : report.measure;
  if (report.bySelf.length === 0 && report.byTotal.length === 0) {
    return [headerLines(report.file, profileFacts(report), report.meta), '', 'No samples: the profile is empty (nothing was sampled while it ran).'].join('\n');
  }
  return [
    headerLines(report.file, profileFacts(report), report.meta),
    '',
    `Top functions by self ${what}`,
    costTable(report.bySelf, report.unit, 'self'),
    '',
    `Top functions by total ${what} (self and callees)`,
    costTable(report.byTotal, report.unit, 'total'),
  ].join('\n');
}

/** Report of a heap snapshot. */
export interface HeapReport extends HeapSummary {
  file: string;
  format: 'heapsnapshot';
  meta: MetaFacts | null;
}

function classTable(rows: ClassStats[], total: number, first: 'count' | 'shallowSize' | 'retainedSize'): string {
  const order: Array<'count' | 'shallowSize' | 'retainedSize'> = [first, ...(['count', 'shallowSize', 'retainedSize'] as const).filter((k) => k !== first)];
  const label = { count: 'count', shallowSize: 'shallow', retainedSize: 'retained' };
  const cell = (row: ClassStats, key: 'count' | 'shallowSize' | 'retainedSize') => (key === 'count' ? formatCount(row.count) : formatBytes(row[key]));
  const headers = [label[order[0]!], ...(first === 'count' ? [] : ['%']), label[order[1]!], label[order[2]!], 'constructor'];
  const data = rows.map((row) => [
    cell(row, order[0]!),
    ...(first === 'count' ? [] : [formatPercent(total > 0 ? (100 * row[first]) / total : 0)]),
    cell(row, order[1]!),
    cell(row, order[2]!),
    row.name,
  ]);
  return table(headers, data, [true, true, true, true, false]);
}

/** `.leak → Array @41989` lines from a root to the object. */
export function renderPath(object: LargeObject): string[] {
  if (object.path.length === 0) return ['    (reached only through weak references)'];
  return object.path.map((step, i) => {
    const edge =
      step.edgeType === 'shortcut'
        ? '(global)'
        : step.edgeType === 'element' || step.edgeType === 'hidden'
          ? step.edge
          : step.edgeType === 'context'
            ? `context ${step.edge}`
            : step.edgeType === 'internal'
              ? `(internal) ${step.edge}`
              : `.${step.edge}`;
    return `    ${'  '.repeat(Math.min(i, 12))}${edge} → ${step.name} @${step.id}`;
  });
}

function renderHeap(report: HeapReport): string {
  const lines = [
    headerLines(report.file, `${FORMAT_NAMES.heapsnapshot}, ${formatCount(report.nodeCount)} objects, ${formatBytes(report.totalSize)}`, report.meta),
    '',
    'Top constructors by retained size (what freeing all their objects would free)',
    classTable(report.byRetainedSize, report.totalSize, 'retainedSize'),
    '',
    'Top constructors by shallow size',
    classTable(report.byShallowSize, report.totalSize, 'shallowSize'),
    '',
    'Top constructors by count',
    classTable(report.byCount, report.totalSize, 'count'),
  ];
  if (report.largest.length > 0) {
    lines.push('', 'Largest objects of the top constructors, and the shortest path from a GC root that keeps each alive');
    for (const object of report.largest) {
      lines.push(
        `  ${object.name} @${object.id}: retains ${formatBytes(object.retainedSize)} (${formatPercent(report.totalSize > 0 ? (100 * object.retainedSize) / report.totalSize : 0)}), itself ${formatBytes(object.selfSize)}`,
      );
      lines.push(...renderPath(object));
    }
  }
  return lines.join('\n');
}

/** Report of a handles dump. */
export interface HandlesReport extends HandlesSummary {
  file: string;
  format: 'handles';
  meta: MetaFacts | null;
}

function renderHandles(report: HandlesReport): string {
  const lines = [
    headerLines(report.file, `${FORMAT_NAMES.handles}, ${formatCount(report.total)} active handles and requests`, report.meta),
    '',
    'By type',
    table(
      ['count', '%', 'type'],
      report.byType.map((t) => [formatCount(t.count), formatPercent(t.percent), t.type]),
      [true, true, false],
    ),
  ];
  if (report.groups.length > 0) {
    const listed = report.truncated ? ` (the first ${formatCount(report.listed)} listed)` : '';
    lines.push('', `Look-alike handles${listed}`);
    lines.push(
      table(
        ['count', 'type', 'detail'],
        report.groups.map((g) => [formatCount(g.count), g.type, g.detail]),
        [true, false, false],
      ),
    );
  }
  lines.push('');
  if (report.stacks === null) {
    lines.push('Creation stacks were not recorded (start holmes-node with handles.trackStacks: true to record them).');
  } else if (report.stacks.length === 0) {
    lines.push('No creation stacks recorded.');
  } else {
    lines.push('Top creation stacks');
    for (const s of report.stacks) {
      lines.push(`  ${formatCount(s.count)} × ${s.type}`);
      for (const frame of s.stack) lines.push(`      ${frame}`);
    }
    if (report.untracked > 0) lines.push(`  (${formatCount(report.untracked)} resources not tracked: the tracker was full)`);
  }
  return lines.join('\n');
}

/** Report of an event-loop block stack. */
export interface BlockReport extends BlockDump {
  file: string;
  format: 'block';
  meta: MetaFacts | null;
  /** `file:line` of each frame of `stack` (worked out from the raw URL, before the text is made printable). */
  locations: string[];
}

function renderBlock(report: BlockReport): string {
  const threshold = report.blockMs !== undefined ? ` (threshold ${report.blockMs} ms)` : '';
  const lines = [headerLines(report.file, `${FORMAT_NAMES.block}, the event loop blocked for ${report.blockedMs} ms${threshold}`, report.meta), ''];
  if (report.stack.length === 0) lines.push(`No stack was taken: ${report.stackError ?? 'unknown reason'}.`);
  else {
    lines.push('Where the main thread was (innermost first)');
    for (const [i, frame] of report.stack.entries()) {
      const location = report.locations[i] ?? '';
      lines.push(`  ${frame.functionName || '(anonymous)'}${location ? `  ${location}:${frame.columnNumber}` : ''}`);
    }
  }
  return lines.join('\n');
}

/** `holmes-node show FILE` */
export const showCommand: Command = {
  name: 'show',
  summary: 'summarize a dump: top functions, top constructors and retainers, or handles by type and stack',
  help: `Usage: holmes-node show FILE [--top N] [--paths N] [--sample-type TYPE] [--json]

Summarizes one dump:
  .cpuprofile, .pb.gz (pprof)  top functions by self and by total time, with file:line and percent
  .heapprofile                 top allocating functions by self and total bytes
  .heapsnapshot                top constructors by count, shallow size and retained size, and for
                               the largest objects the shortest retainer path from a GC root
  .handles.json                active handles by type, look-alike groups, top creation stacks
  .block.json                  where the event loop was stuck: the main thread's stack
The reason the dump was taken is read from the .meta.json beside it.

Options:
  --top N              rows per table (default 15)
  --paths N            heap snapshots: retainer paths to print (default 3)
  --sample-type TYPE   pprof: the sample type to rank by (default: the profile's default, else the last)
${COMMON_HELP}`,
  options: {
    top: { type: 'string' },
    paths: { type: 'string' },
    'sample-type': { type: 'string' },
  },
  arity: [1, 1],
  run(args, out) {
    const file = resolve(args.positionals[0]!);
    const top = intOption(args, 'top', 15);
    const paths = intOption(args, 'paths', 3);
    const sampleType = stringOption(args, 'sample-type');
    const format = detectFormat(file);
    const meta = metaFacts(readMeta(file));
    analysing(file, format, () => {
      if (format === 'heapsnapshot') {
        const snapshot = readHeapSnapshot(file);
        try {
          const summary = summarizeHeap(snapshot, { top, paths });
          out.emit<HeapReport>({ file, format, meta, ...summary }, renderHeap);
        } finally {
          snapshot.close();
        }
      } else if (format === 'block') {
        const block = loadBlock(file);
        const locations = block.stack.map((f) => frameLocation({ name: f.functionName, url: f.url, line: f.lineNumber, column: 0 }));
        out.emit<BlockReport>({ ...block, file, format, meta, locations }, renderBlock);
      } else if (format === 'handles') {
        out.emit<HandlesReport>({ file, format, meta, ...summarizeHandles(loadHandles(file), top) }, renderHandles);
      } else {
        const profile = loadProfile(file, format, sampleType ? { sampleType } : {});
        out.emit(profileReport(file, profile, meta, top), renderProfile);
      }
    });
  },
};
