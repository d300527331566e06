/** A function as a profile names it. */
export interface Frame {
  /** Function name; `(anonymous)` when it has none; V8's pseudo frames keep theirs: `(program)`, `(garbage collector)`, `(idle)`. */
  name: string;
  /** Script: a path, a `node:` module, or empty for native code. */
  url: string;
  /** 1-based; 0 when unknown. */
  line: number;
  /** 1-based; 0 when unknown. */
  column: number;
}

/** What a profile's values measure. */
export type Unit = 'microseconds' | 'nanoseconds' | 'bytes' | 'count';

/**
 * A call tree in preorder: node 0 is the root, and every node's parent comes before it.
 * CPU profiles, heap profiles and pprof files all become this, so tables and flame graphs share one code path.
 */
export interface CallTree {
  unit: Unit;
  /** What the value is, for people: `CPU time`, `allocated bytes (sampled)`… */
  measure: string;
  frames: Frame[];
  /** Parent of each node; -1 for the root. */
  parent: Int32Array;
  /** Value spent in the node itself (not in its callees). */
  self: Float64Array;
}

/** One function's share of a profile. */
export interface FunctionCost {
  name: string;
  /** `file:line`, or the bare name of a native or V8 pseudo frame's script (may be empty). */
  location: string;
  url: string;
  line: number;
  /** Value in the function itself. */
  self: number;
  selfPercent: number;
  /** Value in the function and everything it called (recursion counted once). */
  total: number;
  totalPercent: number;
}

/** `file:line` with `file://` dropped; empty for native frames. */
export function frameLocation(frame: Frame): string {
  let url = frame.url;
  if (url.startsWith('file://')) {
    try {
      url = decodeURIComponent(new URL(url).pathname);
    } catch {
      // keep the URL as written
    }
  }
  if (!url) return '';
  return frame.line > 0 ? `${url}:${frame.line}` : url;
}

/** Builds a tree from nodes given in any order, each with its parent (-1 for the root); returns it in preorder. */
export function preorder(unit: Unit, measure: string, frames: Frame[], parent: ArrayLike<number>, self: ArrayLike<number>): CallTree {
  const n = frames.length;
  const childStart = new Uint32Array(n + 1);
  let root = -1;
  for (let i = 0; i < n; i++) {
    const p = parent[i]!;
    if (p < 0) {
      if (root >= 0) throw new Error('two roots');
      root = i;
    } else childStart[p + 1]!++;
  }
  if (root < 0) throw new Error('no root');
  for (let i = 1; i <= n; i++) childStart[i]! += childStart[i - 1]!;
  const fill = childStart.slice(0, n);
  const children = new Uint32Array(Math.max(0, n - 1));
  for (let i = 0; i < n; i++) if (parent[i]! >= 0) children[fill[parent[i]!]!++] = i;
  const order: number[] = [];
  const newIndex = new Int32Array(n).fill(-1);
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (newIndex[node] !== -1) throw new Error('cycle');
    newIndex[node] = order.length;
    order.push(node);
    for (let k = childStart[node + 1]! - 1; k >= childStart[node]!; k--) stack.push(children[k]!);
  }
  if (order.length !== n) throw new Error('nodes unreachable from the root');
  return {
    unit,
    measure,
    frames: order.map((i) => frames[i]!),
    parent: Int32Array.from(order, (i) => (parent[i]! < 0 ? -1 : newIndex[parent[i]!]!)),
    self: Float64Array.from(order, (i) => self[i]!),
  };
}

/** Value of each node's subtree. */
export function subtreeTotals(tree: CallTree): Float64Array {
  const total = Float64Array.from(tree.self);
  for (let i = total.length - 1; i > 0; i--) total[tree.parent[i]!]! += total[i]!;
  return total;
}

function functionKey(frame: Frame): string {
  return `${frame.name}\u0000${frame.url}\u0000${frame.line}\u0000${frame.column}`;
}

/** Self and total value of every function in the tree (the root excluded), in no particular order. */
export function functionCosts(tree: CallTree): FunctionCost[] {
  const totals = subtreeTotals(tree);
  const grand = totals[0] ?? 0;
  const byKey = new Map<string, FunctionCost>();
  const keyOf: FunctionCost[] = new Array(tree.frames.length);
  // the current root-to-node path, to count a recursive function's subtree once
  const path: number[] = [];
  const onPath = new Map<FunctionCost, number>();
  for (let i = 1; i < tree.frames.length; i++) {
    const frame = tree.frames[i]!;
    const key = functionKey(frame);
    let cost = byKey.get(key);
    if (!cost) {
      cost = { name: frame.name, location: frameLocation(frame), url: frame.url, line: frame.line, self: 0, selfPercent: 0, total: 0, totalPercent: 0 };
      byKey.set(key, cost);
    }
    keyOf[i] = cost;
    const parent = tree.parent[i]!;
    while (path.length > 0 && path[path.length - 1] !== parent) {
      const left = keyOf[path.pop()!]!;
      onPath.set(left, onPath.get(left)! - 1);
    }
    cost.self += tree.self[i]!;
    const open = onPath.get(cost) ?? 0;
    if (open === 0) cost.total += totals[i]!;
    onPath.set(cost, open + 1);
    path.push(i);
  }
  const costs = [...byKey.values()];
  for (const cost of costs) {
    cost.selfPercent = grand > 0 ? (100 * cost.self) / grand : 0;
    cost.totalPercent = grand > 0 ? (100 * cost.total) / grand : 0;
  }
  return costs;
}

/** The `count` largest by `key`, ties by name. */
export function topBy<T extends { name: string }>(rows: T[], key: (row: T) => number, count: number): T[] {
  return [...rows].sort((a, b) => key(b) - key(a) || a.name.localeCompare(b.name)).slice(0, count);
}
