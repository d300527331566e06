// A seeded fuzzer over every format the CLI reads, from real dumps (test/fixtures/cli/make-dumps.mjs and the
// library's own pprof writer). The bulk runs the commands in this process (fast): each mutated file must either be
// read or refused with a DumpFileError (one line, naming the file), never another error, and the text printed must
// hold no control character. A sample then runs through the built CLI in children capped at 512 MB of heap: exit 0 or
// 1, no stack trace, no "internal error", within 10 s. Replay a failure with HOLMES_FUZZ_SEED=<seed printed>.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { DumpFileError } from '../../src/analysis/errors.js';
import { nestsDeeperThan } from '../../src/analysis/text.js';
import type { Command } from '../../src/cli/command.js';
import { diffCommand } from '../../src/cli/diff.js';
import { flameCommand } from '../../src/cli/flame.js';
import { lsCommand } from '../../src/cli/ls.js';
import { output } from '../../src/cli/output.js';
import { showCommand } from '../../src/cli/show.js';
import { cpuProfileToPprof, heapProfileToPprof } from '../../src/dumpers/pprof.js';
import { startChild, tempDir } from '../helpers/child.js';
import { mulberry32 } from '../helpers/random.js';
import { CLI, makeDumps } from './run-cli.js';

const SEED = Number(process.env.HOLMES_FUZZ_SEED ?? 20261129);
const CASES = 1000;
/** A case taking longer than this is a hang (a safety net, not a speed assertion). */
const CASE_BOUND_MS = 10_000;
// control characters and bidi overrides; the line breaks the renderers put between lines excepted
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this pattern's job
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

type Rng = () => number;
const int = (rng: Rng, n: number) => Math.floor(rng() * n);
const pick = <T>(rng: Rng, items: readonly T[]): T => items[int(rng, items.length)]!;

// ---------------------------------------------------------------------------------------------------------------
// mutations

const HUGE = ['1e308', '-1', '99999999999999999999999', '4294967296', '-0', '1.5', '9007199254740993', '2147483648', '1e-7', '0'];
const WRONG: unknown[] = ['\u001b]0;pwned\u0007', '', 0, -1, 1e308, null, true, [], {}, { toString: 1, valueOf: 1 }, [[1, [2]]], 'x'.repeat(300)];
const DEEP = '\u0000deep\u0000';

function truncate(rng: Rng, bytes: Buffer): Buffer {
  return bytes.subarray(0, int(rng, bytes.length));
}

function flip(rng: Rng, bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  for (let i = 1 + int(rng, 8); i > 0 && out.length > 0; i--) out[int(rng, out.length)]! ^= 1 + int(rng, 255);
  return out;
}

function splice(rng: Rng, bytes: Buffer, donor: Buffer): Buffer {
  const from = rng() < 0.5 ? bytes : donor;
  const a = int(rng, from.length);
  const chunk = from.subarray(a, a + 1 + int(rng, 256));
  const at = int(rng, bytes.length + 1);
  const cut = rng() < 0.5 ? at : Math.min(bytes.length, at + chunk.length); // insert or overwrite
  return Buffer.concat([bytes.subarray(0, at), chunk, bytes.subarray(cut)]);
}

function hugeNumber(rng: Rng, bytes: Buffer): Buffer {
  const text = bytes.toString('latin1');
  const numbers = [...text.matchAll(/-?\d+(\.\d+)?/g)];
  if (numbers.length === 0) return flip(rng, bytes);
  const m = pick(rng, numbers);
  return Buffer.from(text.slice(0, m.index) + pick(rng, HUGE) + text.slice(m.index + m[0].length), 'latin1');
}

/** Every (container, key) in a parsed JSON value, up to a bound (a heap profile has thousands). */
function slots(value: unknown, rng: Rng): Array<[Record<string, unknown>, string]> {
  const found: Array<[Record<string, unknown>, string]> = [];
  const stack = [value];
  let seen = 0;
  while (stack.length > 0) {
    const v = stack.pop();
    if (!v || typeof v !== 'object') continue;
    for (const key of Object.keys(v)) {
      // reservoir of 64: a fair pick among all slots without keeping them all
      seen++;
      if (found.length < 64) found.push([v as Record<string, unknown>, key]);
      else if (int(rng, seen) < 64) found[int(rng, 64)] = [v as Record<string, unknown>, key];
      stack.push((v as Record<string, unknown>)[key]);
    }
  }
  return found;
}

function restructure(rng: Rng, bytes: Buffer, deep: boolean): Buffer {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return flip(rng, bytes);
  }
  if (nestsDeeperThan(value, 200)) return flip(rng, bytes); // deepened by an earlier round: JSON.stringify would overflow
  const all = slots(value, rng);
  if (all.length === 0) return flip(rng, bytes);
  const [container, key] = pick(rng, all);
  if (!deep) {
    container[key] = pick(rng, WRONG);
    return Buffer.from(JSON.stringify(value));
  }
  container[key] = DEEP;
  const depth = pick(rng, [100, 1000, 100_000]);
  const [open, close] = rng() < 0.5 ? ['[', ']'] : ['{"a":', '}'];
  const nested = `${open.repeat(depth)}1${close.repeat(depth)}`;
  return Buffer.from(JSON.stringify(value).replace(JSON.stringify(DEEP), nested));
}

const JSON_MUTATIONS = ['truncate', 'flip', 'splice', 'huge', 'wrong-type', 'deep'] as const;
const PROTO_MUTATIONS = ['truncate', 'flip', 'splice', 'huge-varint', 'wire-type', 'repeat-field', 'gzip-flip', 'gzip-truncate'] as const;

function mutateJson(rng: Rng, base: Buffer, donor: Buffer): { bytes: Buffer; how: string } {
  let bytes = base;
  const hows: string[] = [];
  for (let round = rng() < 0.2 ? 2 : 1; round > 0; round--) {
    const how = pick(rng, JSON_MUTATIONS);
    hows.push(how);
    if (how === 'truncate') bytes = truncate(rng, bytes);
    else if (how === 'flip') bytes = flip(rng, bytes);
    else if (how === 'splice') bytes = splice(rng, bytes, donor);
    else if (how === 'huge') bytes = hugeNumber(rng, bytes);
    else bytes = restructure(rng, bytes, how === 'deep');
  }
  return { bytes, how: hows.join('+') };
}

function mutateProto(rng: Rng, proto: Buffer, donor: Buffer): { bytes: Buffer; how: string } {
  const how = pick(rng, PROTO_MUTATIONS);
  let bytes = proto;
  if (how === 'truncate') bytes = truncate(rng, proto);
  else if (how === 'flip') bytes = flip(rng, proto);
  else if (how === 'splice') bytes = splice(rng, proto, donor);
  else if (how === 'huge-varint') {
    const at = int(rng, proto.length + 1);
    bytes = Buffer.concat([proto.subarray(0, at), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), proto.subarray(at)]);
  } else if (how === 'wire-type') {
    bytes = Buffer.from(proto);
    if (bytes.length > 0) {
      const at = int(rng, bytes.length);
      bytes[at] = (bytes[at]! & ~7) | int(rng, 8);
    }
  } else if (how === 'repeat-field') {
    const a = int(rng, proto.length);
    const chunk = proto.subarray(a, a + 2 + int(rng, 30));
    bytes = Buffer.concat([proto, ...Array.from({ length: 1 + int(rng, 2000) }, () => chunk)]);
  }
  if (how === 'gzip-flip') return { bytes: flip(rng, gzipSync(proto)), how };
  if (how === 'gzip-truncate') return { bytes: truncate(rng, gzipSync(proto)), how };
  // most are gzipped, as written; a bare protobuf is read too
  return { bytes: rng() < 0.8 ? gzipSync(bytes) : bytes, how };
}

// ---------------------------------------------------------------------------------------------------------------
// a real heap snapshot, made small enough to parse a thousand times

/** The first `keep` nodes of a real snapshot and the edges among them, in V8's layout (header first). */
function shrinkSnapshot(text: string, keep: number): string {
  const s = JSON.parse(text) as {
    snapshot: { meta: { node_fields: string[]; edge_fields: string[]; edge_types: [string[]] } };
    nodes: number[];
    edges: number[];
    strings: string[];
  };
  const nf = s.snapshot.meta.node_fields.length;
  const ef = s.snapshot.meta.edge_fields.length;
  const at = (fields: string[], name: string) => fields.indexOf(name);
  const [nName, nEdges] = [at(s.snapshot.meta.node_fields, 'name'), at(s.snapshot.meta.node_fields, 'edge_count')];
  const [eType, eName, eTo] = [
    at(s.snapshot.meta.edge_fields, 'type'),
    at(s.snapshot.meta.edge_fields, 'name_or_index'),
    at(s.snapshot.meta.edge_fields, 'to_node'),
  ];
  const indexed = new Set(['element', 'hidden'].map((t) => s.snapshot.meta.edge_types[0].indexOf(t)));
  const strings: string[] = [];
  const remap = new Map<number, number>();
  const str = (i: number) => {
    let j = remap.get(i);
    if (j === undefined) {
      j = strings.push(s.strings[i]!) - 1;
      remap.set(i, j);
    }
    return j;
  };
  const nodes: number[] = [];
  const edges: number[] = [];
  let edge = 0;
  for (let n = 0; n < keep; n++) {
    const row = s.nodes.slice(n * nf, (n + 1) * nf);
    let kept = 0;
    for (let k = 0; k < row[nEdges]!; k++, edge++) {
      const e = s.edges.slice(edge * ef, (edge + 1) * ef);
      if (e[eTo]! / nf >= keep) continue;
      if (!indexed.has(e[eType]!)) e[eName] = str(e[eName]!);
      edges.push(...e);
      kept++;
    }
    row[nName] = str(row[nName]!);
    row[nEdges] = kept;
    nodes.push(...row);
  }
  const snapshot = { ...s.snapshot, node_count: keep, edge_count: edges.length / ef, trace_function_count: 0 };
  return JSON.stringify({ snapshot, nodes, edges, trace_function_infos: [], trace_tree: [], samples: [], locations: [], strings });
}

/** A real heap profile cut to its first `keep` nodes (breadth first) and their first `keep` samples, so a thousand parses stay quick. */
function pruneHeapProfile<T extends { head: HeapNode; samples?: Array<{ nodeId: number }> }>(profile: T, keep: number): T {
  const queue = [profile.head];
  const kept = new Set<number>();
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i]!;
    kept.add(node.id);
    node.children = node.children.slice(0, Math.max(0, keep - queue.length));
    queue.push(...node.children);
  }
  return { ...profile, samples: (profile.samples ?? []).filter((s) => kept.has(s.nodeId)).slice(0, keep) };
}
interface HeapNode {
  id: number;
  children: HeapNode[];
}

// ---------------------------------------------------------------------------------------------------------------
// the bases and how each format is exercised

interface Base {
  format: string;
  /** File name (holmes-node's own naming) the mutants are written under. */
  name: string;
  bytes: Buffer;
}

let work: string;
let bases: Base[];
let cpuprofileName: string;

beforeAll(async () => {
  work = tempDir('holmes-fuzz-', 'file');
  const files = makeDumps(join(work, 'real'));
  const read = (path: string) => readFileSync(path);
  const cpu = JSON.parse(read(files.cpuprofile).toString());
  const heap = pruneHeapProfile(JSON.parse(read(files.heapProfileBefore).toString()), 150);
  const meta = read(files.cpuprofile.replace(/\.cpuprofile$/, '.meta.json'));
  cpuprofileName = basename(files.cpuprofile);
  bases = [
    { format: 'cpuprofile', name: cpuprofileName, bytes: read(files.cpuprofile) },
    { format: 'heapprofile', name: basename(files.heapProfileBefore), bytes: Buffer.from(JSON.stringify(heap)) },
    { format: 'heapsnapshot', name: basename(files.heapBefore), bytes: Buffer.from(shrinkSnapshot(read(files.heapBefore).toString(), 400)) },
    { format: 'handles', name: basename(files.handles), bytes: read(files.handles) },
    { format: 'block', name: basename(files.block), bytes: read(files.block) },
    { format: 'meta', name: basename(files.cpuprofile).replace(/\.cpuprofile$/, '.meta.json'), bytes: meta },
    // protobufs, not gzipped: the mutations work on the protobuf, then gzip it
    { format: 'pprof', name: basename(files.pprof), bytes: gunzipSync(read(files.pprof)) },
    { format: 'pprof', name: basename(files.pprof), bytes: gunzipSync(await cpuProfileToPprof(cpu)) },
    { format: 'pprof', name: basename(files.pprof), bytes: gunzipSync(await heapProfileToPprof(heap, 512 * 1024)) },
  ];
  copyFileSync(files.cpuprofile, join(work, 'base.cpuprofile'));
}, 120_000);

/** Runs one command in this process; returns what it printed, or the error it threw. */
function run(command: Command, positionals: string[], json: boolean, values: Record<string, string | boolean> = {}): { text: string; error?: unknown } {
  let text = '';
  try {
    const result = command.run(
      { positionals, values },
      output(json, (t) => (text += t)),
    );
    if (result instanceof Promise) throw new Error('fuzzed commands run synchronously');
    return { text };
  } catch (error) {
    return { text, error };
  }
}

interface Failure {
  seed: number;
  format: string;
  index: number;
  how: string;
  problem: string;
}

/** Outcomes of the in-process runs, for the summary line. */
const outcomes = { read: 0, refused: 0 };

/** What is wrong with a run of a mutated file, or null. */
function judge(file: string, result: { text: string; error?: unknown }, mustSucceed = false): string | null {
  const { error, text } = result;
  if (error !== undefined) {
    if (mustSucceed) return `threw ${(error as Error)?.name}: ${(error as Error)?.message}`;
    if (!(error instanceof DumpFileError))
      return `threw ${(error as Error)?.name ?? typeof error}, not a DumpFileError: ${(error as Error)?.stack ?? String(error)}`;
    if (error.message.includes('\n')) return `a message of more than one line: ${error.message}`;
    if (!error.message.includes(basename(file)) && !error.message.includes(file)) return `a message not naming the file: ${error.message}`;
  }
  if (RAW_CONTROL.test(text)) return `printed a raw control character: ${JSON.stringify(text.match(RAW_CONTROL)?.[0])}`;
  outcomes[error === undefined ? 'read' : 'refused']++;
  return null;
}

/** Exercises one mutated file the way the CLI would, returning what went wrong. */
function exercise(format: string, name: string, bytes: Buffer, index: number): string | null {
  const dir = join(work, `case-${format}-${index % 4}`);
  mkdirSync(dir, { recursive: true });
  if (format === 'meta') {
    // a planted or damaged meta must never break the listing, nor `show` of the dump beside it
    copyFileSync(join(work, 'base.cpuprofile'), join(dir, cpuprofileName));
    writeFileSync(join(dir, name), bytes);
    return (
      judge(dir, run(lsCommand, [dir], index % 2 === 0), true) ??
      judge(join(dir, cpuprofileName), run(showCommand, [join(dir, cpuprofileName)], index % 2 === 1), true)
    );
  }
  const file = join(dir, name);
  writeFileSync(file, bytes);
  // text or --json, in turn: both print what was read
  const problem = judge(file, run(showCommand, [file], index % 2 === 1));
  if (problem) return problem;
  if (index % 10 === 0 && format !== 'heapsnapshot' && format !== 'handles' && format !== 'block') {
    return judge(file, run(flameCommand, [file], true, { output: join(dir, 'out.html'), force: true }));
  }
  if (index % 20 === 0 && format === 'heapsnapshot') {
    const other = join(dir, `b-${name}`);
    writeFileSync(other, bases.find((b) => b.format === format)!.bytes);
    return judge(file, run(diffCommand, [other, file], false));
  }
  return null;
}

/** The mutated files of one format, deterministic from the seed. */
function* cases(format: string): Generator<{ index: number; name: string; bytes: Buffer; how: string }> {
  const rng = mulberry32(SEED ^ [...format].reduce((h, c) => Math.imul(h, 31) + c.charCodeAt(0), 7));
  const mine = bases.filter((b) => b.format === format);
  const donors = bases.filter((b) => b.format !== format);
  for (let index = 0; index < CASES; index++) {
    const base = pick(rng, mine);
    const donor = pick(rng, donors).bytes;
    const { bytes, how } = format === 'pprof' ? mutateProto(rng, base.bytes, donor) : mutateJson(rng, base.bytes, donor);
    yield { index, name: base.name, bytes, how };
  }
}

const FORMATS = ['cpuprofile', 'heapprofile', 'heapsnapshot', 'handles', 'block', 'meta', 'pprof'];

describe(`fuzzing the CLI's readers (seed ${SEED}, ${CASES} cases a format)`, () => {
  it.each(FORMATS)(
    '%s: every mutated file is read or refused in one line naming it',
    (format) => {
      const failures: Failure[] = [];
      outcomes.read = 0;
      outcomes.refused = 0;
      for (const { index, name, bytes, how } of cases(format)) {
        const start = performance.now();
        const problem = exercise(format, name, bytes, index);
        const took = performance.now() - start;
        if (problem) failures.push({ seed: SEED, format, index, how, problem });
        else if (took > CASE_BOUND_MS) failures.push({ seed: SEED, format, index, how, problem: `hung for ${Math.round(took)} ms` });
      }
      expect(failures.slice(0, 5), `HOLMES_FUZZ_SEED=${SEED}: ${failures.length} of ${CASES} cases failed`).toEqual([]);
      console.log(`fuzz ${format} (seed ${SEED}): ${CASES} files, ${outcomes.read} runs read them, ${outcomes.refused} refused them in one line`);
      // a fuzzer whose every case is refused (or read) would test little: the mutations must reach past the first check
      expect(outcomes.read).toBeGreaterThan(0);
      if (format !== 'meta') expect(outcomes.refused).toBeGreaterThan(0);
    },
    120_000,
  );

  it('a sample through the real CLI, heap capped at 512 MB: exit 0 or 1, one line, no trace, no internal error, within 10 s', async () => {
    const sample: Array<{ format: string; args: string[]; how: string }> = [];
    for (const format of FORMATS) {
      let taken = 0;
      for (const c of cases(format)) {
        if (c.index % 97 !== 5) continue; // a spread of cases, the same every run
        const dir = join(work, `cli-${format}-${c.index}`);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, c.name), c.bytes);
        if (format === 'meta') copyFileSync(join(work, 'base.cpuprofile'), join(dir, cpuprofileName));
        sample.push({ format, args: format === 'meta' ? ['ls', dir, '--json'] : ['show', join(dir, c.name)], how: c.how });
        if (++taken === 3) break;
      }
    }
    expect(sample.length).toBeGreaterThanOrEqual(20);
    const problems: string[] = [];
    // three children at a time on this small machine
    for (let i = 0; i < sample.length; i += 3) {
      await Promise.all(
        sample.slice(i, i + 3).map(async ({ format, args, how }) => {
          const child = startChild(CLI, args, { flags: ['--max-old-space-size=512'] });
          let exit: { code: number | null; signal: NodeJS.Signals | null };
          try {
            exit = await child.exit(CASE_BOUND_MS);
          } catch (error) {
            problems.push(`${format} (${how}): ${(error as Error).message.split('\n')[0]}`);
            return;
          }
          const said = `${format} (${how}) ${args.join(' ')}: exit ${exit.code ?? exit.signal}, stderr ${JSON.stringify(child.stderr)}`;
          if (exit.code !== 0 && exit.code !== 1) problems.push(said);
          else if (exit.code === 1 && child.stderr.trimEnd().split('\n').length !== 1) problems.push(said);
          else if (/internal error|^\s+at /m.test(child.stderr)) problems.push(said);
          else if (format === 'meta' && exit.code !== 0) problems.push(said);
        }),
      );
    }
    expect(problems, `HOLMES_FUZZ_SEED=${SEED}`).toEqual([]);
  }, 300_000);
});
