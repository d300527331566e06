import { lstatSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DumpFileError, describeFsError } from '../analysis/errors.js';
import { specialKind } from '../analysis/input.js';
import { formatOf, parseDumpName, readMetaOf, type DumpFormat } from '../analysis/load.js';
import type { DumpMeta } from '../sinks/meta.js';
import { defaultDumpDir } from '../config/options.js';
import { RULES } from '../rules/table.js';
import { DUMP_KINDS, ON_DEMAND_HELP, ON_DEMAND_KINDS, type OnDemandKind } from '../ondemand/kinds.js';
import { TEMP_PREFIX } from '../sinks/dump-dir.js';
import { COMMON_HELP, stringOption, type Command } from './command.js';
import { UsageError, formatBytes, table } from './output.js';

/** The kinds of dump, from the rule table (each rule section and what its rules write) and the on-demand kinds. */
const KIND_HELP = DUMP_KINDS.map((kind) => {
  const writes = RULES.filter((rule) => rule.section === kind).map((rule) => rule.description);
  const onDemand = (ON_DEMAND_KINDS as readonly string[]).includes(kind);
  const text = writes.length === 0 ? `on demand: ${ON_DEMAND_HELP[kind as OnDemandKind]}` : `${writes.join('; ')}${onDemand ? '; also on demand' : ''}`;
  return `  ${kind.padEnd(13)} ${text}`;
}).join('\n');

/** One dump in a directory listing. */
export interface DumpEntry {
  file: string;
  path: string;
  kind: string;
  /** `unknown` for an extension this version of holmes-node cannot read. */
  format: DumpFormat | 'unknown';
  /** ISO time the dump was started (from the file name). */
  time: string;
  pid: number;
  size: number;
  /** The one-line reason from the meta file; null when there is none. */
  summary: string | null;
  meta: DumpMeta | null;
  /** Why the meta file beside it could not be read (special, damaged, planted); null when it was, or there is none. */
  metaProblem: string | null;
}

/** A file with a dump's name that `ls` does not list, and why. */
export interface SkippedFile {
  file: string;
  reason: string;
}

/** What `ls` finds in a directory. */
export interface Listing {
  /** Newest first. */
  dumps: DumpEntry[];
  /** Files named like dumps that are not regular files (a FIFO, a device, a symlink…), never opened. */
  skipped: SkippedFile[];
}

/** The dumps in `dir`, newest first (temporary and meta files are left out), and those skipped. */
export function listDumps(dir: string): Listing {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    names = readdirSync(dir);
  } catch (error) {
    throw new DumpFileError(describeFsError(error, dir), { cause: error });
  }
  const entries: Array<DumpEntry & { sortKey: number }> = [];
  const skipped: SkippedFile[] = [];
  for (const file of names) {
    if (file.startsWith(TEMP_PREFIX)) continue;
    const name = parseDumpName(file);
    if (!name) continue;
    const format = formatOf(file) ?? 'unknown';
    const path = join(dir, file);
    let size: number;
    try {
      const info = lstatSync(path);
      const kind = specialKind(info);
      if (kind) {
        skipped.push({ file, reason: `${kind}, not a regular file` });
        continue;
      }
      size = info.size;
    } catch {
      continue; // removed while listing
    }
    const { meta, problem } = readMetaOf(path);
    entries.push({
      file,
      path,
      kind: name.kind,
      format,
      time: name.time.toISOString(),
      pid: name.pid,
      size,
      summary: typeof meta?.summary === 'string' ? meta.summary : null,
      meta,
      metaProblem: problem,
      sortKey: name.time.getTime(),
    });
  }
  entries.sort((a, b) => b.sortKey - a.sortKey || a.file.localeCompare(b.file));
  skipped.sort((a, b) => a.file.localeCompare(b.file));
  return { dumps: entries.map(({ sortKey: _, ...entry }) => entry), skipped };
}

function reasonOf(dump: DumpEntry): string {
  if (dump.summary !== null) return dump.summary;
  return dump.metaProblem !== null ? `(meta file unreadable: ${dump.metaProblem})` : '(no meta file)';
}

/** `holmes-node ls [DIR]` */
export const lsCommand: Command = {
  name: 'ls',
  summary: 'list the dumps in a directory, newest first, with the reason each was taken',
  help: `Usage: holmes-node ls [DIR] [--kind KIND] [--json]

Lists the dumps in DIR, newest first: kind, time (UTC), size and the one-line
reason from the .meta.json beside each. Temporary files (.holmes-tmp-*) are
left out; files named like dumps that are not regular files (FIFOs, devices,
symlinks) are listed as skipped and never opened. DIR defaults to
${defaultDumpDir()}.

Kinds (the rule that took the dump, or what was asked for on demand):
${KIND_HELP}

Options:
  --kind KIND    list only the dumps of one kind
${COMMON_HELP}`,
  options: { kind: { type: 'string' } },
  arity: [0, 1],
  run(args, out) {
    const dir = resolve(args.positionals[0] ?? defaultDumpDir());
    const kind = stringOption(args, 'kind');
    if (kind !== undefined && !(DUMP_KINDS as readonly string[]).includes(kind)) {
      throw new UsageError(`--kind wants one of ${DUMP_KINDS.join(', ')}, not ${JSON.stringify(kind)}`);
    }
    const listing = listDumps(dir);
    const dumps = listing.dumps.filter((dump) => kind === undefined || dump.kind === kind);
    const skipped = listing.skipped.filter((file) => kind === undefined || parseDumpName(file.file)?.kind === kind);
    if (dumps.length === 0 && skipped.length === 0) throw new DumpFileError(kind === undefined ? `no dumps in ${dir}` : `no ${kind} dumps in ${dir}`);
    out.emit({ dir, dumps, skipped }, (listed) => {
      const rows = listed.dumps.map((d) => [d.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z'), d.kind, formatBytes(d.size), d.file, reasonOf(d)]);
      const count = `${listed.dumps.length} dump${listed.dumps.length === 1 ? '' : 's'}`;
      const lines = [`${listed.dir}: ${count}`];
      if (rows.length > 0) lines.push(table(['time (UTC)', 'kind', 'size', 'file', 'reason'], rows, [false, false, true, false, false]));
      if (listed.skipped.length > 0) lines.push('Skipped (not opened)', ...listed.skipped.map((f) => `  ${f.file}: ${f.reason}`));
      return lines.join('\n');
    });
  },
};
