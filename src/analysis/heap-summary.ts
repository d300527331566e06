import { dominatorTree, retainedSizes } from './dominators.js';
import type { HeapSnapshot } from './heapsnapshot.js';

/** Objects of one constructor (or one internal kind such as `(string)` or `(compiled code)`). */
export interface ClassStats {
  name: string;
  count: number;
  /** Bytes held by the objects themselves. */
  shallowSize: number;
  /** Bytes freed if every object of the class went away (objects nested in another of the class counted once). */
  retainedSize: number;
}

/** One step of a retainer path: the edge followed and the object it reaches. */
export interface RetainerStep {
  /** `.name` for a property, `[3]` for an element, `context name` for a closure variable… */
  edge: string;
  edgeType: string;
  /** Constructor or kind of the object reached. */
  name: string;
  type: string;
  id: number;
  selfSize: number;
}

/** A large object and how it is reached from the roots. */
export interface LargeObject {
  name: string;
  type: string;
  id: number;
  selfSize: number;
  retainedSize: number;
  /** From a root to the object; empty when only weak references reach it. */
  path: RetainerStep[];
}

/** What `holmes-node show` reports of a heap snapshot. */
export interface HeapSummary {
  nodeCount: number;
  edgeCount: number;
  /** Sum of all shallow sizes. */
  totalSize: number;
  byCount: ClassStats[];
  byShallowSize: ClassStats[];
  byRetainedSize: ClassStats[];
  /** The largest instance of each of the top program classes by retained size, with its retainer path. */
  largest: LargeObject[];
}

/** Every node's class, and the class names. */
export interface Classes {
  classOf: Uint32Array;
  names: string[];
  /** Classes that are bookkeeping, not program objects: skipped when picking objects to explain. */
  internal: Uint8Array;
}

/**
 * Groups nodes the way DevTools' Summary view does: objects and native objects by constructor name,
 * everything else by kind in parentheses. Synthetic nodes (the roots) get no class of their own: `(synthetic)`.
 */
export function classify(snapshot: HeapSnapshot): Classes {
  const names: string[] = [];
  const byName = new Map<string, number>();
  const intern = (name: string) => {
    let id = byName.get(name);
    if (id === undefined) {
      id = names.length;
      names.push(name);
      byName.set(name, id);
    }
    return id;
  };
  const byType = snapshot.nodeTypes.map((type) => {
    switch (type) {
      case 'hidden':
        return intern('(system)');
      case 'code':
        return intern('(compiled code)');
      case 'object':
      case 'native':
        return -1;
      default:
        return intern(`(${type})`);
    }
  });
  const byNameIndex = new Map<number, number>();
  const classOf = new Uint32Array(snapshot.nodeCount);
  for (let i = 0; i < snapshot.nodeCount; i++) {
    const fixed = byType[snapshot.type(i)] ?? intern('(unknown)');
    if (fixed >= 0) {
      classOf[i] = fixed;
      continue;
    }
    const nameIndex = snapshot.nameIndex(i);
    let id = byNameIndex.get(nameIndex);
    if (id === undefined) {
      id = intern(snapshot.string(nameIndex) || '(anonymous)');
      byNameIndex.set(nameIndex, id);
    }
    classOf[i] = id;
  }
  const internal = new Uint8Array(names.length);
  names.forEach((name, id) => {
    // V8's own structures (`system / Context`) and the synthetic roots explain nothing to an operator
    if (name.startsWith('(') || name.startsWith('system /')) internal[id] = 1;
  });
  return { classOf, names, internal };
}

/** Edges that keep their target alive: not weak, and shortcuts only from the root (they mark user globals). */
function retainingEdges(snapshot: HeapSnapshot, root: number): Uint8Array {
  const weak = snapshot.edgeTypes.indexOf('weak');
  const shortcut = snapshot.edgeTypes.indexOf('shortcut');
  const follow = new Uint8Array(snapshot.edgeCount);
  for (let node = 0; node < snapshot.nodeCount; node++) {
    for (let e = snapshot.firstEdge[node]!, end = snapshot.firstEdge[node + 1]!; e < end; e++) {
      const type = snapshot.edgeType(e);
      follow[e] = type === weak || (type === shortcut && node !== root) ? 0 : 1;
    }
  }
  return follow;
}

/**
 * Shortest retainer paths, found breadth first: from the user globals first (the root's shortcut edges),
 * then from the other roots for what globals do not reach, as DevTools orders its retainers.
 * Returns the edge by which each node was first reached (0xffffffff for none).
 */
function shortestPaths(snapshot: HeapSnapshot, follow: Uint8Array, root: number): Uint32Array {
  const n = snapshot.nodeCount;
  const { firstEdge, edgeTarget } = snapshot;
  const via = new Uint32Array(n).fill(0xffffffff);
  const seen = new Uint8Array(n);
  const queue = new Uint32Array(n);
  let head = 0;
  let tail = 0;
  seen[root] = 1;
  const shortcut = snapshot.edgeTypes.indexOf('shortcut');
  const run = () => {
    while (head < tail) {
      const v = queue[head++]!;
      for (let e = firstEdge[v]!, end = firstEdge[v + 1]!; e < end; e++) {
        const w = edgeTarget[e]!;
        if (follow[e] === 0 || seen[w] === 1) continue;
        seen[w] = 1;
        via[w] = e;
        queue[tail++] = w;
      }
    }
  };
  for (const userRoots of [true, false]) {
    for (let e = firstEdge[root]!, end = firstEdge[root + 1]!; e < end; e++) {
      const w = edgeTarget[e]!;
      if (follow[e] === 0 || seen[w] === 1 || (snapshot.edgeType(e) === shortcut) !== userRoots) continue;
      seen[w] = 1;
      via[w] = e;
      queue[tail++] = w;
    }
    run();
  }
  return via;
}

function pathTo(snapshot: HeapSnapshot, classes: Classes, via: Uint32Array, node: number): RetainerStep[] {
  const steps: RetainerStep[] = [];
  for (let at = node; via[at] !== 0xffffffff && steps.length < 10_000; ) {
    const e = via[at]!;
    steps.push({
      edge: snapshot.edgeName(e),
      edgeType: snapshot.edgeTypes[snapshot.edgeType(e)] ?? 'unknown',
      ...describe(snapshot, classes, at),
    });
    at = snapshot.edgeOwner(e);
  }
  return steps.reverse();
}

function describe(snapshot: HeapSnapshot, classes: Classes, node: number): { name: string; type: string; id: number; selfSize: number } {
  const type = snapshot.nodeTypes[snapshot.type(node)] ?? 'unknown';
  let name = classes.names[classes.classOf[node]!]!;
  // a string or a function is told apart by its content or name, not by its kind
  if (type === 'string' || type === 'closure' || type === 'regexp' || type === 'synthetic') {
    const text = snapshot.name(node);
    const short = text.length > 60 ? `${text.slice(0, 60)}…` : text;
    name = type === 'string' ? JSON.stringify(short) : type === 'closure' ? `${short || '(anonymous)'}()` : short;
  }
  return { name, type, id: snapshot.id(node), selfSize: snapshot.selfSize(node) };
}

/** Count and shallow size of each class, indexed like {@link Classes.names}. */
export function classTotals(snapshot: HeapSnapshot, classes: Classes): { count: Float64Array; size: Float64Array } {
  const count = new Float64Array(classes.names.length);
  const size = new Float64Array(classes.names.length);
  for (let i = 0; i < snapshot.nodeCount; i++) {
    const c = classes.classOf[i]!;
    count[c]!++;
    size[c]! += snapshot.selfSize(i);
  }
  return { count, size };
}

/**
 * Retained size by class without double counting: an object is counted only when no object of its own
 * class dominates it. One walk of the dominator tree with a counter per class on the current branch.
 */
function classRetained(classes: Classes, idom: Uint32Array, retained: Float64Array, root: number): Float64Array {
  const n = idom.length;
  const childStart = new Uint32Array(n + 2);
  for (let i = 0; i < n; i++) if (i !== root) childStart[idom[i]! + 2]!++;
  for (let i = 2; i < childStart.length; i++) childStart[i]! += childStart[i - 1]!;
  const children = new Uint32Array(Math.max(0, n - 1));
  for (let i = 0; i < n; i++) if (i !== root) children[childStart[idom[i]! + 1]!++] = i;
  // childStart[i + 1] now ends node i's children, childStart[i] starts them
  const byClass = new Float64Array(classes.names.length);
  const open = new Uint32Array(classes.names.length);
  const stack = new Int32Array(2 * n + 1);
  let sp = 0;
  stack[sp++] = root;
  while (sp > 0) {
    const entry = stack[--sp]!;
    if (entry < 0) {
      open[classes.classOf[~entry]!]!--;
      continue;
    }
    const c = classes.classOf[entry]!;
    if (open[c] === 0 && entry !== root) byClass[c]! += retained[entry]!;
    open[c]!++;
    stack[sp++] = ~entry;
    for (let k = childStart[entry]!, end = childStart[entry + 1]!; k < end; k++) stack[sp++] = children[k]!;
  }
  return byClass;
}

/** Options of {@link summarizeHeap}. */
export interface HeapSummaryOptions {
  /** Rows in each table. */
  top: number;
  /** How many of the top classes by retained size get their largest object's retainer path. */
  paths: number;
}

/** Counts, shallow and retained sizes by class, and retainer paths of the largest objects. */
export function summarizeHeap(snapshot: HeapSnapshot, options: HeapSummaryOptions): HeapSummary {
  const root = 0;
  const classes = classify(snapshot);
  const { count, size } = classTotals(snapshot, classes);
  const follow = retainingEdges(snapshot, root);
  const tree = dominatorTree({ nodeCount: snapshot.nodeCount, firstEdge: snapshot.firstEdge, edgeTarget: snapshot.edgeTarget, follow }, root);
  const retained = retainedSizes(tree, (i) => snapshot.selfSize(i), snapshot.nodeCount);
  const byClassRetained = classRetained(classes, tree.idom, retained, root);

  const synthetic = classes.names.indexOf('(synthetic)');
  const stats: ClassStats[] = classes.names
    .map((name, c) => ({ name, count: count[c]!, shallowSize: size[c]!, retainedSize: byClassRetained[c]! }))
    .filter((_, c) => c !== synthetic);
  const top = (key: 'count' | 'shallowSize' | 'retainedSize') =>
    [...stats].sort((a, b) => b[key] - a[key] || a.name.localeCompare(b.name)).slice(0, options.top);
  const byRetainedSize = top('retainedSize');

  // The largest instance of each class that explains the most memory. Program classes only, and not the
  // roots' own children (the global object): their path is empty and tells nothing.
  const rootChild = new Uint8Array(snapshot.nodeCount);
  for (let e = snapshot.firstEdge[root]!, end = snapshot.firstEdge[root + 1]!; e < end; e++) rootChild[snapshot.edgeTarget[e]!] = 1;
  const biggest = new Int32Array(classes.names.length).fill(-1);
  const heldByRoots = new Float64Array(classes.names.length);
  for (let i = 0; i < snapshot.nodeCount; i++) {
    if (i === root) continue;
    const c = classes.classOf[i]!;
    if (rootChild[i] === 1) heldByRoots[c]! += retained[i]!;
    else if (classes.internal[c] === 0 && (biggest[c]! < 0 || retained[i]! > retained[biggest[c]!]!)) biggest[c] = i;
  }
  // rank classes by what they retain apart from the roots' children (a class of globals drops out)
  const rank = (c: number) => Math.max(byClassRetained[c]! - heldByRoots[c]!, retained[biggest[c]!]!);
  const picked = classes.names
    .map((_, c) => c)
    .filter((c) => biggest[c]! >= 0)
    .sort((a, b) => rank(b) - rank(a))
    .slice(0, options.paths)
    .map((c) => biggest[c]!);
  let largest: LargeObject[] = [];
  if (picked.length > 0) {
    const via = shortestPaths(snapshot, follow, root);
    largest = picked.map((node) => ({ ...describe(snapshot, classes, node), retainedSize: retained[node]!, path: pathTo(snapshot, classes, via, node) }));
  }
  let totalSize = 0;
  for (const s of size) totalSize += s;
  return {
    nodeCount: snapshot.nodeCount,
    edgeCount: snapshot.edgeCount,
    totalSize,
    byCount: top('count'),
    byShallowSize: top('shallowSize'),
    byRetainedSize,
    largest,
  };
}

/** One class's change between two snapshots. */
export interface ClassDelta {
  name: string;
  countBefore: number;
  countAfter: number;
  countDelta: number;
  sizeBefore: number;
  sizeAfter: number;
  sizeDelta: number;
  /** Objects in the second snapshot that did not exist at the first (by V8 object id); null when ids are not comparable. */
  newCount: number | null;
  newSize: number | null;
}

/** Count and size of a group of objects. */
export interface Tally {
  count: number;
  size: number;
}

/** Per-class totals of one snapshot, kept so two snapshots need not be in memory at once. */
export interface HeapTotals {
  nodeCount: number;
  totalSize: number;
  classes: Map<string, Tally>;
  /** Highest heap-object id (odd ids; even ids are embedder nodes, renumbered each snapshot). */
  maxObjectId: number;
  /** With an earlier snapshot to compare to: by class, the objects born after it (id above its highest id). */
  born?: Map<string, Tally>;
}

/** Count and shallow size by class; with `since` (an earlier snapshot of the same process), also the objects born after it. */
export function heapTotals(snapshot: HeapSnapshot, since?: HeapTotals): HeapTotals {
  const classes = classify(snapshot);
  const { count, size } = classTotals(snapshot, classes);
  const totals = new Map<string, Tally>();
  let totalSize = 0;
  classes.names.forEach((name, c) => {
    if (name === '(synthetic)') return;
    totals.set(name, { count: count[c]!, size: size[c]! });
    totalSize += size[c]!;
  });
  let maxObjectId = 0;
  const bornCount = new Float64Array(classes.names.length);
  const bornSize = new Float64Array(classes.names.length);
  for (let i = 0; i < snapshot.nodeCount; i++) {
    const id = snapshot.id(i);
    if (id % 2 === 0) continue;
    if (id > maxObjectId) maxObjectId = id;
    if (since && id > since.maxObjectId) {
      const c = classes.classOf[i]!;
      bornCount[c]!++;
      bornSize[c]! += snapshot.selfSize(i);
    }
  }
  const result: HeapTotals = { nodeCount: snapshot.nodeCount, totalSize, classes: totals, maxObjectId };
  if (since) result.born = new Map(classes.names.map((name, c) => [name, { count: bornCount[c]!, size: bornSize[c]! }]));
  return result;
}

/** Classes by growth from `before` to `after`, largest size growth first (or count with `sort: 'count'`). */
export function diffTotals(before: HeapTotals, after: HeapTotals, sort: 'size' | 'count'): ClassDelta[] {
  const names = new Set([...before.classes.keys(), ...after.classes.keys()]);
  const rows: ClassDelta[] = [];
  for (const name of names) {
    const a = before.classes.get(name) ?? { count: 0, size: 0 };
    const b = after.classes.get(name) ?? { count: 0, size: 0 };
    const born = after.born ? (after.born.get(name) ?? { count: 0, size: 0 }) : null;
    rows.push({
      name,
      countBefore: a.count,
      countAfter: b.count,
      countDelta: b.count - a.count,
      sizeBefore: a.size,
      sizeAfter: b.size,
      sizeDelta: b.size - a.size,
      newCount: born ? born.count : null,
      newSize: born ? born.size : null,
    });
  }
  const key = sort === 'count' ? 'countDelta' : 'sizeDelta';
  const other = sort === 'count' ? 'sizeDelta' : 'countDelta';
  return rows.sort((x, y) => y[key] - x[key] || y[other] - x[other] || x.name.localeCompare(y.name));
}
