import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { preorder, type CallTree, type Frame, type Unit } from './calltree.js';
import { InputRefusedError } from './errors.js';
import { inputLimits, overLimit } from './limits.js';

/** Facts about a pprof profile beside its call tree. */
export interface PprofFacts {
  /** Sample types as `type/unit`, e.g. `samples/count`, `cpu/nanoseconds`, `space/bytes`. */
  sampleTypes: string[];
  /** The one the tree is valued in. */
  sampleType: string;
  samples: number;
  /** Nanoseconds the profile covers; 0 when not recorded. */
  durationNanos: number;
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** Whether `bytes` start like a gzip stream. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
}

/**
 * Calls `visit` with each field of the protobuf message in `bytes[from, to)` and where its value lies, read exactly as
 * pprof-format's decoder reads it (a one-byte tag, varint or length-delimited values, a length past the end cut
 * short), so counts made here are what it will build. Other wire types throw, as they do there. Offsets, not
 * subarrays: a bomb has tens of millions of fields.
 */
function eachField(bytes: Uint8Array, from: number, to: number, visit: (field: number, start: number, end: number) => void): void {
  let i = from;
  while (i < to) {
    const field = bytes[i]! >> 3;
    const mode = bytes[i]! & 0b111;
    i++;
    const start = i;
    while (i < to && bytes[i++]! >= 0x80);
    if (mode === 0) {
      visit(field, start, i);
      continue;
    }
    if (mode !== 2) throw new Error(`unknown protobuf wire type ${mode}`);
    let size = 0;
    for (let k = i - 1; k >= start; k--) size = size * 128 + (bytes[k]! & 0x7f);
    const end = Math.min(to, i + size);
    visit(field, i, end);
    i = end;
  }
}

/** How many numbers pprof-format decodes from a repeated integer field: one per byte without the high bit. */
function countNumbers(bytes: Uint8Array, start: number, end: number): number {
  let count = 0;
  for (let i = start; i < end; i++) if (bytes[i]! < 0x80) count++;
  return count;
}

// Profile fields (profile.proto): 2 sample, 4 location, 13 comment (repeated int64); every other repeated field is one
// message or string. Sample: 1 location_id, 2 value (repeated), 3 label. Location: 4 line.
const SAMPLE = 2;
const LOCATION = 4;
const COMMENT = 13;

/**
 * Counts what decoding a pprof profile would allocate, without allocating it: samples, and entries (every other
 * message, string and repeated number). A 78 KB file claiming 40 million samples is refused here, not by V8's
 * out-of-memory abort.
 */
export function countPprof(bytes: Uint8Array): { samples: number; entries: number } {
  let samples = 0;
  let entries = 0;
  const inSample = (f: number, start: number, end: number) => {
    entries += f === 1 || f === 2 ? countNumbers(bytes, start, end) : 1;
  };
  const inLocation = (f: number) => {
    if (f === 4) entries++;
  };
  eachField(bytes, 0, bytes.length, (field, start, end) => {
    if (field === SAMPLE) {
      samples++;
      if (end > start) eachField(bytes, start, end, inSample);
    } else if (field === LOCATION) {
      entries++;
      eachField(bytes, start, end, inLocation);
    } else if (field === COMMENT) entries += countNumbers(bytes, start, end);
    else entries++;
  });
  return { samples, entries };
}

/** The protobuf inside a `.pb.gz`, decompressed to at most the decoded-bytes limit, and checked against the count limits. */
function decodeBytes(bytes: Uint8Array): Uint8Array {
  const limits = inputLimits();
  let raw: Uint8Array = bytes;
  // a bare protobuf is held to the same bound as a decompressed one
  if (!isGzip(bytes) && bytes.length > limits.maxDecodedBytes) throw new InputRefusedError(overLimit('a protobuf of more bytes', 'maxDecodedBytes'));
  if (isGzip(bytes)) {
    try {
      raw = gunzipSync(bytes, { maxOutputLength: limits.maxDecodedBytes });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
        throw new InputRefusedError(overLimit('decompresses to more bytes', 'maxDecodedBytes'));
      throw new Error(`not a complete gzip stream (${(error as Error).message})`);
    }
  }
  const { samples, entries } = countPprof(raw);
  if (samples > limits.maxSamples) throw new InputRefusedError(overLimit(`${samples} samples`, 'maxSamples'));
  if (entries > limits.maxNodes) throw new InputRefusedError(overLimit(`${entries} entries`, 'maxNodes'));
  return raw;
}

function unitOf(unit: string): Unit {
  if (unit === 'nanoseconds' || unit === 'bytes' || unit === 'microseconds') return unit;
  return 'count';
}

/**
 * The call tree of a pprof profile (`.pb.gz`, or not gzipped), valued in one sample type: `wanted` when given,
 * else the profile's default, else the last one (pprof's own choice).
 * @throws {Error} when the bytes are not a pprof profile or `wanted` is not one of its sample types.
 */
export function pprofTree(bytes: Uint8Array, wanted?: string): { tree: CallTree; facts: PprofFacts } {
  const profile = Profile.decode(decodeBytes(bytes));
  const strings = profile.stringTable.strings;
  const text = (index: number | bigint) => strings[Number(index)] ?? '';
  const types = profile.sampleType.map((t) => ({ type: text(t.type), unit: text(t.unit) }));
  // a profile with no samples is valid (holmes-node's gc rule writes one when nothing was sampled): an empty tree
  if (types.length === 0) types.push({ type: 'samples', unit: 'count' });
  const maxNodes = inputLimits().maxNodes;
  const names = types.map((t) => `${t.type}/${t.unit}`);
  let chosen = types.length - 1;
  if (wanted) {
    chosen = types.findIndex((t, i) => t.type === wanted || names[i] === wanted);
    if (chosen < 0) throw new Error(`no sample type "${wanted}" (it has ${names.join(', ')})`);
  } else if (Number(profile.defaultSampleType) > 0) {
    const byDefault = types.findIndex((t) => t.type === text(profile.defaultSampleType));
    if (byDefault >= 0) chosen = byDefault;
  }

  const functions = new Map(profile.function.map((f) => [Number(f.id), f]));
  const locations = new Map(profile.location.map((l) => [Number(l.id), l]));
  const frames: Frame[] = [{ name: '(root)', url: '', line: 0, column: 0 }];
  const parent: number[] = [-1];
  const self: number[] = [0];
  const child = new Map<string, number>();
  const enter = (at: number, frame: Frame, key: string) => {
    const k = `${at}\u0000${key}`;
    let node = child.get(k);
    if (node === undefined) {
      if (frames.length >= maxNodes) throw new InputRefusedError(overLimit('a call tree of too many nodes', 'maxNodes'));
      node = frames.length;
      frames.push(frame);
      parent.push(at);
      self.push(0);
      child.set(k, node);
    }
    return node;
  };
  for (const sample of profile.sample) {
    let at = 0;
    // locations are leaf first; a location's lines are innermost (inlined) first
    for (let i = sample.locationId.length - 1; i >= 0; i--) {
      const id = Number(sample.locationId[i]);
      const location = locations.get(id);
      if (!location) throw new Error(`sample names an unknown location ${id}`);
      if (location.line.length === 0) {
        const address = `0x${BigInt(location.address).toString(16)}`;
        at = enter(at, { name: address, url: '', line: 0, column: 0 }, `@${address}`);
        continue;
      }
      for (let j = location.line.length - 1; j >= 0; j--) {
        const line = location.line[j]!;
        const fn = functions.get(Number(line.functionId));
        const frame: Frame = {
          name: (fn && text(fn.name)) || '(anonymous)',
          url: fn ? text(fn.filename) : '',
          line: Number(line.line) || 0,
          column: Number(line.column) || 0,
        };
        at = enter(at, frame, `${Number(line.functionId)}:${frame.line}:${frame.column}`);
      }
    }
    self[at]! += Number(sample.value[chosen] ?? 0);
  }
  const type = types[chosen]!;
  return {
    // insertion order has parents first but is not depth first; tables need depth first
    tree: preorder(unitOf(type.unit), type.type, frames, parent, self),
    facts: { sampleTypes: names, sampleType: names[chosen]!, samples: profile.sample.length, durationNanos: Number(profile.durationNanos) || 0 },
  };
}
