import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { preorder, type CallTree, type Frame, type Unit } from './calltree.js';

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
  const raw = isGzip(bytes) ? gunzipSync(bytes) : bytes;
  const profile = Profile.decode(raw);
  const strings = profile.stringTable.strings;
  const text = (index: number | bigint) => strings[Number(index)] ?? '';
  const types = profile.sampleType.map((t) => ({ type: text(t.type), unit: text(t.unit) }));
  if (types.length === 0 || (profile.sample.length === 0 && profile.location.length === 0)) throw new Error('no sample types or samples');
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
