import { preorder, type CallTree, type Frame } from './calltree.js';
import { devtoolsFrame } from './cpuprofile.js';
import { InputRefusedError } from './errors.js';
import { overLimit } from './limits.js';

/** One node of a DevTools sampling heap profile. */
export interface HeapProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number; scriptId?: string | number };
  /** Bytes allocated by this function itself and still live when the profile was taken (sampled, scaled). */
  selfSize: number;
  id?: number;
  children?: HeapProfileNode[];
}

/** A DevTools sampling heap profile (`.heapprofile`): what `HeapProfiler.getSamplingProfile` returns. */
export interface HeapProfileFile {
  head: HeapProfileNode;
  samples?: Array<{ size: number; nodeId: number; ordinal: number }>;
}

/** Whether `value` has the shape of a DevTools sampling heap profile. */
export function isHeapProfile(value: unknown): value is HeapProfileFile {
  const head = (value as HeapProfileFile | null)?.head;
  return !!head && typeof head === 'object' && !!head.callFrame && typeof head.selfSize === 'number';
}

/** The allocation call tree of a heap profile, valued in bytes; more than `maxNodes` nodes is refused. */
export function heapProfileTree(profile: HeapProfileFile, maxNodes = Number.POSITIVE_INFINITY): CallTree {
  const frames: Frame[] = [];
  const parent: number[] = [];
  const self: number[] = [];
  const stack: Array<[HeapProfileNode, number]> = [[profile.head, -1]];
  while (stack.length > 0) {
    const [node, up] = stack.pop()!;
    if (!node || typeof node !== 'object' || !node.callFrame) throw new Error('a node lacks its call frame');
    const at = frames.length;
    if (at >= maxNodes) throw new InputRefusedError(overLimit('too many nodes', 'maxNodes'));
    frames.push(devtoolsFrame(node.callFrame));
    parent.push(up);
    self.push(Number(node.selfSize) || 0);
    for (const child of node.children ?? []) stack.push([child, at]);
  }
  return preorder('bytes', 'live bytes allocated (sampled)', frames, parent, self);
}
