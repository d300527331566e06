import { preorder, type CallTree, type Frame } from './calltree.js';
import { asNumber, asText } from './text.js';

/** A DevTools CPU profile (`.cpuprofile`): what `Profiler.stop` returns and Chrome DevTools opens. */
export interface CpuProfileFile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number; scriptId?: string | number };
    hitCount?: number;
    children?: number[];
    /** Some writers give the parent instead of the children. */
    parent?: number;
  }>;
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** Facts about a CPU profile beside its call tree. */
export interface CpuProfileFacts {
  /** Wall time covered, in microseconds. */
  duration: number;
  samples: number;
  /** Mean time between samples, in microseconds. */
  interval: number;
}

/** Whether `value` has the shape of a DevTools CPU profile. */
export function isCpuProfile(value: unknown): value is CpuProfileFile {
  const p = value as CpuProfileFile | null;
  return (
    !!p &&
    typeof p === 'object' &&
    Array.isArray(p.nodes) &&
    p.nodes.length > 0 &&
    typeof p.startTime === 'number' &&
    typeof p.endTime === 'number' &&
    p.nodes.every((n) => n && typeof n.id === 'number' && n.callFrame && typeof n.callFrame.functionName === 'string')
  );
}

/** DevTools frames are 0-based; tables show 1-based lines like editors do. Fields of another type (a damaged file) read as unknown. */
export function devtoolsFrame(callFrame: { functionName: string; url?: string; lineNumber?: number; columnNumber?: number }): Frame {
  const line = asNumber(callFrame.lineNumber, -1);
  const column = asNumber(callFrame.columnNumber, -1);
  return {
    name: asText(callFrame.functionName) || '(anonymous)',
    url: asText(callFrame.url),
    line: line >= 0 ? line + 1 : 0,
    column: column >= 0 ? column + 1 : 0,
  };
}

/**
 * The call tree of a CPU profile, valued in microseconds. Each sample lasts until the next one
 * (the last until `endTime`), as DevTools counts; without samples, hit counts share the duration evenly.
 * @throws {Error} when the node links are inconsistent (the caller words it for the file).
 */
export function cpuProfileTree(profile: CpuProfileFile): { tree: CallTree; facts: CpuProfileFacts } {
  const index = new Map<number, number>();
  profile.nodes.forEach((node, i) => {
    if (index.has(node.id)) throw new Error(`node id ${node.id} appears twice`);
    index.set(node.id, i);
  });
  const n = profile.nodes.length;
  const parent = new Int32Array(n).fill(-1);
  const hasParent = new Uint8Array(n);
  profile.nodes.forEach((node, i) => {
    for (const child of node.children ?? []) {
      const c = index.get(child);
      if (c === undefined) throw new Error(`node ${node.id} has an unknown child ${child}`);
      if (hasParent[c]) throw new Error(`node ${child} has two parents`);
      parent[c] = i;
      hasParent[c] = 1;
    }
    if (node.parent !== undefined && !hasParent[i]) {
      const p = index.get(node.parent);
      if (p === undefined) throw new Error(`node ${node.id} has an unknown parent ${node.parent}`);
      parent[i] = p;
      hasParent[i] = 1;
    }
  });

  const self = new Float64Array(n);
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const duration = Math.max(0, profile.endTime - profile.startTime);
  if (samples.length > 0 && deltas.length === samples.length) {
    let time = profile.startTime;
    const times = deltas.map((delta) => (time += asNumber(delta)));
    for (let i = 0; i < samples.length; i++) {
      const node = index.get(samples[i]!);
      if (node === undefined) throw new Error(`sample ${i} names an unknown node ${samples[i]}`);
      const next = i + 1 < times.length ? times[i + 1]! : Math.max(profile.endTime, times[i]!);
      self[node]! += Math.max(0, next - times[i]!);
    }
  } else {
    const hits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
    profile.nodes.forEach((node, i) => (self[i] = hits > 0 ? ((node.hitCount ?? 0) * duration) / hits : 0));
  }
  const frames = profile.nodes.map((node) => devtoolsFrame(node.callFrame));
  const sampleCount = samples.length || profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
  return {
    tree: preorder('microseconds', 'CPU time', frames, parent, self),
    facts: { duration, samples: sampleCount, interval: sampleCount > 0 ? duration / sampleCount : 0 },
  };
}
