import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runNodeSync, tempDir } from '../helpers/child.js';
import { functionCosts, preorder, type Frame } from '../../src/analysis/calltree.js';
import { dominatorTree, retainedSizes } from '../../src/analysis/dominators.js';
import { flameGraphHtml } from '../../src/analysis/flamegraph.js';
import { classify, classTotals } from '../../src/analysis/heap-summary.js';
import { readHeapSnapshot } from '../../src/analysis/heapsnapshot.js';
import { parseDumpName } from '../../src/analysis/load.js';
import { mulberry32 as random } from '../helpers/random.js';

/** Dominators by the textbook data-flow definition: dom(v) = {v} ∪ ⋂ dom(preds), iterated to a fixed point. */
function naiveIdom(n: number, edges: Array<[number, number]>, root: number): Int32Array {
  const reach = new Uint8Array(n);
  const adjacency: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of edges) adjacency[a]!.push(b);
  const stack = [root];
  reach[root] = 1;
  while (stack.length)
    for (const w of adjacency[stack.pop()!]!)
      if (!reach[w]) {
        reach[w] = 1;
        stack.push(w);
      }
  const preds: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of edges) if (reach[a]) preds[b]!.push(a);
  const dom: Array<Set<number>> = Array.from(
    { length: n },
    (_, v) => new Set(v === root ? [root] : Array.from({ length: n }, (_, i) => i).filter((i) => reach[i])),
  );
  for (let changed = true; changed; ) {
    changed = false;
    for (let v = 0; v < n; v++) {
      if (v === root || !reach[v]) continue;
      const [first, ...others] = preds[v]!;
      let next = new Set<number>(first === undefined ? [] : dom[first]);
      for (const p of others) next = new Set([...next].filter((x) => dom[p]!.has(x)));
      next.add(v);
      if (next.size !== dom[v]!.size) {
        dom[v] = next;
        changed = true;
      }
    }
  }
  // the immediate dominator is the strict dominator dominated by all the others
  const idom = new Int32Array(n).fill(root);
  for (let v = 0; v < n; v++) {
    if (v === root || !reach[v]) continue;
    const strict = [...dom[v]!].filter((d) => d !== v);
    idom[v] = strict.find((d) => strict.every((o) => dom[d]!.has(o)))!;
  }
  return idom;
}

function graphOf(n: number, edges: Array<[number, number]>, weak: Set<number> = new Set()) {
  const sorted = edges.map((e, i) => ({ e, i })).sort((x, y) => x.e[0] - y.e[0]);
  const firstEdge = new Uint32Array(n + 1);
  for (const { e } of sorted) firstEdge[e[0] + 1]!++;
  for (let i = 1; i <= n; i++) firstEdge[i]! += firstEdge[i - 1]!;
  return {
    nodeCount: n,
    firstEdge,
    edgeTarget: Uint32Array.from(sorted.map(({ e }) => e[1])),
    follow: Uint8Array.from(sorted.map(({ i }) => (weak.has(i) ? 0 : 1))),
  };
}

describe('dominator tree (Lengauer-Tarjan)', () => {
  it('matches the textbook definition on random graphs, cycles and unreachable nodes included', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rand = random(seed);
      const n = 2 + Math.floor(rand() * 30);
      const edges: Array<[number, number]> = [];
      const m = Math.floor(rand() * n * 3);
      for (let k = 0; k < m; k++) edges.push([Math.floor(rand() * n), Math.floor(rand() * n)]);
      const tree = dominatorTree(graphOf(n, edges), 0);
      expect(Array.from(tree.idom), `seed ${seed}`).toEqual(Array.from(naiveIdom(n, edges, 0)));
    }
  });

  it('ignores edges it is told not to follow (weak references)', () => {
    // 0 -> 1 -> 2, and a weak 0 -> 2: 1 still dominates 2
    const tree = dominatorTree(
      graphOf(
        3,
        [
          [0, 1],
          [1, 2],
          [0, 2],
        ],
        new Set([2]),
      ),
      0,
    );
    expect(Array.from(tree.idom)).toEqual([0, 0, 1]);
  });

  it('retained size: own size plus everything dominated; a shared object belongs to the common dominator', () => {
    // 0 -> 1 -> 3, 0 -> 2 -> 3: 3 is shared, so neither 1 nor 2 retains it
    const tree = dominatorTree(
      graphOf(5, [
        [0, 1],
        [0, 2],
        [1, 3],
        [2, 3],
        [3, 4],
      ]),
      0,
    );
    const sizes = [0, 10, 20, 30, 40];
    expect(Array.from(retainedSizes(tree, (i) => sizes[i]!, 5))).toEqual([100, 10, 20, 70, 40]);
  });

  it('copes with a chain deeper than any call stack', () => {
    const n = 200_000;
    const edges: Array<[number, number]> = [];
    for (let i = 0; i + 1 < n; i++) edges.push([i, i + 1]);
    const tree = dominatorTree(graphOf(n, edges), 0);
    expect(tree.idom[n - 1]).toBe(n - 2);
    expect(tree.order.length).toBe(n);
  });
});

describe('heap snapshot reader', () => {
  it('reads what JSON.parse reads: counts, names, sizes, edges', () => {
    const dir = tempDir('holmes-reader-');
    const file = join(dir, 'x.heapsnapshot');
    const script = `class ReaderTestThing { constructor(i) { this.label = 'caf\\u00e9 "quoted" \\\\ ' + i; } }
      globalThis.keep = Array.from({ length: 3000 }, (_, i) => new ReaderTestThing(i));
      require('v8').writeHeapSnapshot(${JSON.stringify(file)});`;
    const child = runNodeSync(['-e', script]);
    expect(child.code, child.stderr).toBe(0);

    const reference = JSON.parse(readFileSync(file, 'utf8')) as {
      snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[] }; node_count: number; edge_count: number };
      nodes: number[];
      edges: number[];
      strings: string[];
    };
    const stride = reference.snapshot.meta.node_fields.length;
    const snapshot = readHeapSnapshot(file);
    try {
      expect(snapshot.nodeCount).toBe(reference.snapshot.node_count);
      expect(snapshot.edgeCount).toBe(reference.snapshot.edge_count);
      const sampleNodes = [0, 1, 2, Math.floor(snapshot.nodeCount / 2), snapshot.nodeCount - 1];
      for (const i of sampleNodes) {
        expect(snapshot.name(i)).toBe(reference.strings[reference.nodes[i * stride + 1]!]);
        expect(snapshot.id(i)).toBe(reference.nodes[i * stride + 2]);
        expect(snapshot.selfSize(i)).toBe(reference.nodes[i * stride + 3]);
      }
      const edgeStride = reference.snapshot.meta.edge_fields.length;
      for (const e of [0, 1, Math.floor(snapshot.edgeCount / 3), snapshot.edgeCount - 1]) {
        expect(snapshot.edgeTarget[e]).toBe(reference.edges[e * edgeStride + 2]! / stride);
      }
      // every string, escapes and non-ASCII included
      const label = reference.strings.find((s) => s.startsWith('café "quoted" \\ '));
      expect(label).toBeDefined();
      expect(snapshot.string(reference.strings.indexOf(label!))).toBe(label);
      expect(snapshot.string(reference.strings.length - 1)).toBe(reference.strings.at(-1));

      const classes = classify(snapshot);
      const { count } = classTotals(snapshot, classes);
      expect(count[classes.names.indexOf('ReaderTestThing')]).toBe(3000);
    } finally {
      snapshot.close();
    }
  });

  it('refuses a snapshot whose arrays do not match its header', () => {
    const dir = tempDir('holmes-reader-');
    const file = join(dir, 'bad.heapsnapshot');
    const header = {
      meta: {
        node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'],
        node_types: [['object']],
        edge_fields: ['type', 'name_or_index', 'to_node'],
        edge_types: [['property']],
      },
      node_count: 2,
      edge_count: 0,
    };
    writeFileSync(file, JSON.stringify({ snapshot: header, nodes: [0, 0, 1, 8, 0], edges: [], strings: ['a'] }));
    expect(() => readHeapSnapshot(file)).toThrow(/header announces/);
  });
});

describe('call tree', () => {
  const frame = (name: string): Frame => ({ name, url: 'file:///app.js', line: 1, column: 1 });

  it('counts a recursive function once in its total', () => {
    // root -> a -> b -> a (recursion), self 0, 1, 2, 3
    const tree = preorder('microseconds', 'CPU time', [frame('(root)'), frame('a'), frame('b'), frame('a')], [-1, 0, 1, 2], [0, 1, 2, 3]);
    const costs = Object.fromEntries(functionCosts(tree).map((c) => [c.name, c]));
    expect(costs.a).toMatchObject({ self: 4, total: 6, totalPercent: 100 });
    expect(costs.b).toMatchObject({ self: 2, total: 5 });
  });

  it('the flame graph page escapes names that look like markup', () => {
    const tree = preorder('bytes', 'bytes', [frame('(root)'), frame('</script><b>x')], [-1, 0], [0, 5]);
    const html = flameGraphHtml(tree, { title: '<title>' });
    expect(html).not.toContain('</script><b>');
    expect(html).toContain('\\u003c/script>');
    expect(html).not.toContain('<title><title>');
  });
});

describe('dump names', () => {
  it('reads kind, UTC time and pid', () => {
    const name = parseDumpName('cpu-20261125T061313.123Z-4242.cpuprofile');
    expect(name).toMatchObject({ kind: 'cpu', pid: 4242, extension: 'cpuprofile', base: 'cpu-20261125T061313.123Z-4242' });
    expect(name!.time.toISOString()).toBe('2026-11-25T06:13:13.123Z');
    expect(parseDumpName('handles-20261125T061313.123Z-1.handles.json')?.extension).toBe('handles.json');
    expect(parseDumpName('cpu-20261125T061313.123Z-1.pb.gz')?.extension).toBe('pb.gz');
    expect(parseDumpName('cpu-20261125T061313.123Z-1.meta.json')).toBeNull();
    expect(parseDumpName('.holmes-tmp-1-ab-cpu-20261125T061313.123Z-1.cpuprofile')).toBeNull();
  });
});
