/** A directed graph in compressed form: the edges of node `i` are `firstEdge[i]` to `firstEdge[i + 1] - 1`. */
export interface Graph {
  nodeCount: number;
  firstEdge: Uint32Array;
  edgeTarget: Uint32Array;
  /** 1 for edges that retain their target; 0 for edges to ignore (weak references). */
  follow: Uint8Array;
}

/** The dominator tree of a graph from one root. */
export interface DominatorTree {
  /** Immediate dominator of each node; the root and nodes unreachable from it map to the root. */
  idom: Uint32Array;
  /** Reachable nodes in depth-first preorder (the root first): a node's dominators come before it. */
  order: Uint32Array;
}

/**
 * Immediate dominators by Lengauer-Tarjan (the simple version, with path compression), iterative so that
 * deep object chains cannot overflow the stack. O(E log N) in time; about 40 bytes per node and 4 per edge.
 * Chosen over the iterative Cooper-Harvey-Kennedy algorithm, whose passes can go quadratic on heap graphs.
 */
export function dominatorTree(graph: Graph, root: number): DominatorTree {
  const { nodeCount: n, firstEdge, edgeTarget, follow } = graph;
  // Depth-first numbering from 1; 0 means not reached. Arrays indexed by number have n + 1 slots.
  const number = new Uint32Array(n);
  const vertex = new Uint32Array(n + 1);
  const parent = new Uint32Array(n + 1);
  let stackNode: Uint32Array | undefined = new Uint32Array(n + 1);
  let stackEdge: Uint32Array | undefined = new Uint32Array(n + 1);
  let count = 0;
  number[root] = ++count;
  vertex[count] = root;
  stackNode[0] = root;
  stackEdge[0] = firstEdge[root]!;
  let sp = 1;
  while (sp > 0) {
    const v = stackNode[sp - 1]!;
    const e = stackEdge[sp - 1]!;
    if (e >= firstEdge[v + 1]!) {
      sp--;
      continue;
    }
    stackEdge[sp - 1] = e + 1;
    if (follow[e] === 0) continue;
    const w = edgeTarget[e]!;
    if (number[w] !== 0) continue;
    number[w] = ++count;
    vertex[count] = w;
    parent[count] = number[v]!;
    stackNode[sp] = w;
    stackEdge[sp] = firstEdge[w]!;
    sp++;
  }

  // Predecessors of every reached node, by number.
  const predStart = new Uint32Array(count + 2);
  for (let v = 0; v < n; v++) {
    if (number[v] === 0) continue;
    for (let e = firstEdge[v]!, end = firstEdge[v + 1]!; e < end; e++) {
      if (follow[e] !== 0) {
        const w = number[edgeTarget[e]!]!;
        if (w !== 0) predStart[w + 1]!++;
      }
    }
  }
  for (let i = 1; i < predStart.length; i++) predStart[i]! += predStart[i - 1]!;
  const preds = new Uint32Array(predStart[count + 1]!);
  const fillAt = predStart.slice(0, count + 1);
  for (let v = 0; v < n; v++) {
    const from = number[v]!;
    if (from === 0) continue;
    for (let e = firstEdge[v]!, end = firstEdge[v + 1]!; e < end; e++) {
      if (follow[e] !== 0) {
        const w = number[edgeTarget[e]!]!;
        if (w !== 0) preds[fillAt[w]!++] = from;
      }
    }
  }

  // The depth-first stacks are done with: reuse them as `label` and `ancestor`.
  const label = stackNode.fill(0);
  const ancestor = stackEdge.fill(0);
  stackNode = stackEdge = undefined;
  const semi = new Uint32Array(count + 1);
  const idom = new Uint32Array(count + 1);
  const bucketHead = new Uint32Array(count + 1);
  const bucketNext = new Uint32Array(count + 1);
  const path = new Uint32Array(count + 1);
  for (let i = 1; i <= count; i++) {
    semi[i] = i;
    label[i] = i;
  }

  // eval with path compression; ancestor 0 marks the root of a tree of the forest
  const evaluate = (v: number): number => {
    if (ancestor[v] === 0) return v;
    let depth = 0;
    let x = v;
    while (ancestor[ancestor[x]!] !== 0) {
      path[depth++] = x;
      x = ancestor[x]!;
    }
    while (depth > 0) {
      const y = path[--depth]!;
      const a = ancestor[y]!;
      if (semi[label[a]!]! < semi[label[y]!]!) label[y] = label[a]!;
      ancestor[y] = ancestor[a]!;
    }
    return label[v]!;
  };

  for (let w = count; w >= 2; w--) {
    for (let k = predStart[w]!, end = predStart[w + 1]!; k < end; k++) {
      const u = evaluate(preds[k]!);
      if (semi[u]! < semi[w]!) semi[w] = semi[u]!;
    }
    const s = semi[w]!;
    bucketNext[w] = bucketHead[s]!;
    bucketHead[s] = w;
    const p = parent[w]!;
    ancestor[w] = p;
    for (let v = bucketHead[p]!; v !== 0; ) {
      const next = bucketNext[v]!;
      const u = evaluate(v);
      idom[v] = semi[u]! < semi[v]! ? u : p;
      v = next;
    }
    bucketHead[p] = 0;
  }
  for (let w = 2; w <= count; w++) {
    if (idom[w] !== semi[w]) idom[w] = idom[idom[w]!]!;
  }

  const result = new Uint32Array(n).fill(root);
  for (let w = 2; w <= count; w++) result[vertex[w]!] = vertex[idom[w]!]!;
  return { idom: result, order: vertex.subarray(1, count + 1) };
}

/**
 * Retained size of every node: its own size plus that of every node it dominates, i.e. what freeing it would free.
 * Nodes unreachable from the root count only for themselves (and for the root's total).
 */
export function retainedSizes(tree: DominatorTree, selfSize: (node: number) => number, nodeCount: number): Float64Array {
  const retained = new Float64Array(nodeCount);
  for (let i = 0; i < nodeCount; i++) retained[i] = selfSize(i);
  const { idom, order } = tree;
  const root = order[0]!;
  for (let k = order.length - 1; k >= 1; k--) {
    const node = order[k]!;
    retained[idom[node]!]! += retained[node]!;
  }
  if (order.length < nodeCount) {
    const reached = new Uint8Array(nodeCount);
    for (let k = 0; k < order.length; k++) reached[order[k]!] = 1;
    for (let i = 0; i < nodeCount; i++) if (reached[i] === 0 && i !== root) retained[root]! += retained[i]!;
  }
  return retained;
}
