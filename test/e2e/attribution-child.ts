import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startChild, type ChildEvent } from '../helpers/child.js';

export const FIXTURE = fileURLToPath(new URL('../fixtures/attribution.mjs', import.meta.url));
const BREAK_ADDON = fileURLToPath(new URL('../fixtures/break-addon.cjs', import.meta.url));
const SOURCE = readFileSync(FIXTURE, 'utf8').split('\n');

/** 0-based line and column of the first code line containing `text`, as DevTools numbers them. */
export function positionOf(text: string): { line: number; column: number } {
  const line = SOURCE.findIndex((l) => l.includes(text) && !l.trimStart().startsWith('//'));
  return { line, column: SOURCE[line]!.indexOf(text) };
}

export { addonBuilt } from '../helpers/requirements.js';

export type Backend = 'native' | 'inspector';

/**
 * Runs fixtures/attribution.mjs with DEFAULT V8 flags (only `--unhandled-rejections=strict`, unlike run-child.ts:
 * users run with default flags, and what these tests check is what the JIT does with them).
 * `inspector` makes the addon fail to load, as on a Node it was not built for.
 */
export async function runAttribution(
  scenario: string,
  options: object,
  warmUpMs: number,
  backend: Backend,
  { nodeArgs = [] as string[] } = {},
): Promise<ChildEvent[]> {
  const preload = backend === 'inspector' ? ['--require', BREAK_ADDON] : [];
  const child = startChild(FIXTURE, [scenario, JSON.stringify(options), String(warmUpMs)], {
    flags: ['--unhandled-rejections=strict'],
    nodeArgs: [...nodeArgs, ...preload],
  });
  const { code } = await child.exit();
  if (code !== 0) throw new Error(`child ${scenario} exited ${code}\n${child.describe()}`);
  return child.events;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}

/** V8's pseudo frames that are not the program running: what is left is "busy". */
const NOT_BUSY = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/** Leaf samples of `name` against all busy samples of a DevTools profile, and the top leaves for messages. */
export function busyShare(file: string, name: string): { hot: number; busy: number; share: number; top: string } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[] };
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const counts = new Map<string, number>();
  for (const id of profile.samples) {
    const leaf = byId.get(id)!.callFrame.functionName || '(anonymous)';
    counts.set(leaf, (counts.get(leaf) ?? 0) + 1);
  }
  const busy = [...counts].reduce((sum, [leaf, n]) => sum + (NOT_BUSY.has(leaf) ? 0 : n), 0);
  const hot = counts.get(name) ?? 0;
  const top = [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([leaf, n]) => `${leaf}:${n}`)
    .join(' ');
  return { hot, busy, share: busy > 0 ? hot / busy : 0, top };
}
