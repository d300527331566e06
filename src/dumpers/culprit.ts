import type { StackFrame } from '../watchdog/protocol.js';
import type { HandlesDump } from './handles.js';
import type { HeapProfile, HeapProfileNode } from './heap-profile.js';
import type { CpuProfile } from './profiler/types.js';

/** One suspect: a function (or a handle type) and how much of the dump it accounts for. */
export interface Suspect {
  /** Function name (`(anonymous)` when it has none), or the handle type. */
  name: string;
  /** `file.js:12` (1-based line), or '' when unknown. */
  where: string;
  /** Share of the samples (`%`), bytes still allocated (`bytes`), or a count (`count`). */
  value: number;
  unit: '%' | 'bytes' | 'count';
}

/**
 * The dump's answer in one line, computed when the dump is taken so that the `dump` event, the log line and the
 * `.meta.json` can name it: the top functions by self time (CPU), the top allocation sites (heap profile), the top
 * handle type and its creation stack (handles), the blocking frame (block). Heap snapshots get none: summarizing one
 * costs seconds and hundreds of MB, which the host's thread must not pay (`holmes-node show` does it offline).
 */
export interface Culprit {
  /** `burnCpu (app.js:12) 61%, parse (lib.js:40) 9%, (garbage collector) 5%`. */
  text: string;
  top: Suspect[];
  /** Handles: the creation stack of the top type (with `handles.trackStacks`); block: the innermost frames. */
  stack?: string[];
  /** Where it was computed: on the host's main thread within {@link CULPRIT_BUDGET}, or on the watchdog's thread. */
  computedOn: 'main thread' | 'watchdog worker';
  /** How long computing it took, in ms. */
  computeMs: number;
}

/**
 * The most work (profile nodes plus samples) summarized on the host's main thread: one linear pass with a map, so its
 * cost is that of a plain map loop over as many entries (README "The culprit" has the figures). A 5 s profile at
 * 1 ms sampling is about 5,000 samples; a larger profile than this bound gets no culprit rather than a long stall.
 */
export const CULPRIT_BUDGET = 500_000;
const TOP = 3;
/** Frames that say where time went without naming code. */
const NOT_CODE = new Set(['(root)', '(idle)', '(program)']);

function where(url: string, zeroBasedLine: number): string {
  if (!url) return '';
  const file = url.slice(url.lastIndexOf('/') + 1);
  return zeroBasedLine >= 0 ? `${file}:${zeroBasedLine + 1}` : file;
}

function describe(suspect: Suspect): string {
  const value = suspect.unit === '%' ? `${suspect.value}%` : suspect.unit === 'bytes' ? `${(suspect.value / 2 ** 20).toFixed(1)} MiB` : `${suspect.value}`;
  return `${suspect.name}${suspect.where ? ` (${suspect.where})` : ''} ${value}`;
}

function measured(
  compute: () => (Omit<Culprit, 'computedOn' | 'computeMs' | 'text'> & { text?: string }) | null,
  computedOn: Culprit['computedOn'],
): Culprit | undefined {
  const started = performance.now();
  const found = compute();
  if (!found || found.top.length === 0) return undefined;
  return {
    ...found,
    text: found.text ?? found.top.map(describe).join(', '),
    computedOn,
    computeMs: Math.round((performance.now() - started) * 1000) / 1000,
  };
}

/** Sums `value` per key and returns the largest `TOP`. */
function largest(entries: Iterable<[key: string, name: string, where: string, value: number]>): Array<{ name: string; where: string; value: number }> {
  const sums = new Map<string, { name: string; where: string; value: number }>();
  for (const [key, name, at, value] of entries) {
    const sum = sums.get(key);
    if (sum) sum.value += value;
    else sums.set(key, { name, where: at, value });
  }
  return [...sums.values()]
    .filter((s) => s.value > 0)
    .sort((a, b) => b.value - a.value)
    .slice(0, TOP);
}

/** CPU profile: the three functions with the most self samples (idle and unattributed time left out), as % of all samples. */
export function cpuCulprit(profile: CpuProfile): Culprit | undefined {
  return measured(() => {
    if (profile.nodes.length + profile.samples.length > CULPRIT_BUDGET) return null;
    const hits = new Map<number, number>();
    for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
    const total = profile.samples.length;
    if (total === 0) return null;
    const top = largest(
      (function* () {
        for (const node of profile.nodes) {
          const { functionName, url, lineNumber } = node.callFrame;
          const name = functionName || '(anonymous)';
          if (NOT_CODE.has(name)) continue;
          yield [`${name}\0${url}\0${lineNumber}`, name, where(url, lineNumber), hits.get(node.id) ?? 0];
        }
      })(),
    );
    return { top: top.map((s) => ({ ...s, value: Math.round((s.value / total) * 1000) / 10, unit: '%' as const })) };
  }, 'main thread');
}

type Site = [key: string, name: string, where: string];

/**
 * Sampling heap profile: the three allocation sites holding the most bytes still live. What a built-in allocates
 * (`repeat`, `concat`: frames without a script) is charged to the JavaScript that called it, the site to fix.
 */
export function heapProfileCulprit(profile: HeapProfile): Culprit | undefined {
  return measured(() => {
    const sites: Array<[...Site, number]> = [];
    const stack: Array<[HeapProfileNode, Site | null]> = [[profile.head, null]];
    while (stack.length > 0) {
      const [node, caller] = stack.pop()!;
      if (sites.length > CULPRIT_BUDGET) return null;
      const { functionName, url, lineNumber } = node.callFrame;
      const name = functionName || '(anonymous)';
      const own: Site | null = NOT_CODE.has(name) ? null : [`${name}\0${url}\0${lineNumber}`, name, where(url, lineNumber)];
      const site = url === '' && caller ? caller : own;
      if (site) sites.push([...site, node.selfSize]);
      for (const child of node.children) stack.push([child, site]);
    }
    return { top: largest(sites).map((s) => ({ ...s, unit: 'bytes' as const })) };
  }, 'main thread');
}

/** Handles: the most numerous type, and the stack that created most of them (when creation stacks are tracked). */
export function handlesCulprit(dump: HandlesDump): Culprit | undefined {
  return measured(() => {
    const top = largest(Object.entries(dump.byType).map(([type, count]) => [type, type, '', count]));
    const first = top[0];
    const group = first && dump.stacks?.filter((g) => g.type === first.name).sort((a, b) => b.count - a.count)[0];
    return { top: top.map((s) => ({ ...s, unit: 'count' as const })), ...(group ? { stack: group.stack.slice(0, 8) } : {}) };
  }, 'main thread');
}

/** Block: the innermost frame of the blocked loop's stack (computed on the watchdog's thread, where it is taken). */
export function blockCulprit(stack: readonly StackFrame[]): Culprit | undefined {
  return measured(() => {
    const frames = stack.map((frame) => ({ name: frame.functionName || '(anonymous)', where: where(frame.url, frame.lineNumber - 1) }));
    const [innermost] = frames;
    return {
      text: innermost ? `${innermost.name}${innermost.where ? ` (${innermost.where})` : ''}` : '',
      top: frames.slice(0, 1).map((frame) => ({ ...frame, value: 1, unit: 'count' as const })),
      stack: frames.slice(0, 8).map((frame) => `${frame.name}${frame.where ? ` (${frame.where})` : ''}`),
    };
  }, 'watchdog worker');
}
