// Issue 10, item 6: are Node's newer built-ins better than what holmes-node uses, on the lines that have them?
//   v8.startCpuProfile (Node >= 24.12 and 26) against the native addon's eager profiler: does a profile started
//   2 s into a hot workload name the hot function (share of busy samples), and how long does starting it block?
//   monitorEventLoopDelay at holmes' resolution (100 ms at the default interval): idle CPU of the histogram.
// Each run is a fresh child of the node running this script; run it with each line's node:
//   node bench/newer-builtins.mjs [--runs 3]
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { ROOT } from './lib/load.mjs';

const SELF = fileURLToPath(import.meta.url);
// HOLMES_BENCH_ADDON: an addon built for another line than the checkout's (node-gyp keeps one build)
const ADDON = process.env.HOLMES_BENCH_ADDON ?? join(ROOT, 'native', 'build', 'Release', 'holmes_profiler.node');
/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The attribution fixture's async case: a small hot function in an async loop (V8 inlines it or runs it OSR'd).
 * @param {number} i
 * @param {number} n
 */
function hotInBench(i, n) {
  let s = 0;
  for (let j = 0; j < n; j++) s += Math.sqrt(i + j) * 1.0001;
  return s;
}

/**
 * The hot function's share of the busy samples of a profile (DevTools format).
 * @param {import('node:inspector').Profiler.Profile} profile
 */
function share(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node.callFrame.functionName]));
  let busy = 0;
  let hot = 0;
  for (const id of profile.samples ?? []) {
    const name = /** @type {string} */ (byId.get(id)); // every sample is one of the profile's nodes
    if (['(idle)', '(program)', '(garbage collector)', '(root)'].includes(name)) continue;
    busy++;
    if (name === 'hotInBench') hot++;
  }
  return busy ? hot / busy : NaN;
}

/** @param {string} route */
async function profileChild(route) {
  const addon = route === 'native-eager' ? createRequire(import.meta.url)(ADDON) : null;
  addon?.create(true); // at start-up, as holmes-node's start()
  let running = true;
  let sink = 0;
  (async () => {
    while (running) {
      sink += hotInBench(sink & 7, 800_000);
      await sleep(10);
    }
  })();
  await sleep(2000);
  const t0 = performance.now();
  /** @type {() => import('node:inspector').Profiler.Profile} */
  let stop;
  if (addon) {
    const id = addon.start(1000, true);
    stop = () => addon.stop(id);
  } else {
    /** @type {{ stop(): string }} */
    // @ts-expect-error v8.startCpuProfile is Node >= 24.12 (this route runs only there); @types/node 20 lacks it
    const handle = v8.startCpuProfile();
    stop = () => JSON.parse(handle.stop());
  }
  const startMs = performance.now() - t0;
  await sleep(1000);
  const profile = stop();
  running = false;
  return { share: share(profile), startMs, sink: sink > 0 };
}

/** @param {boolean} withHistogram */
async function histogramChild(withHistogram) {
  const h = withHistogram ? monitorEventLoopDelay({ resolution: 100 }) : null;
  h?.enable();
  await sleep(1000);
  const c0 = process.cpuUsage();
  await sleep(5000);
  const c = process.cpuUsage(c0);
  h?.disable();
  return { cpuMsPer5s: (c.user + c.system) / 1000 };
}

/** @param {string[]} args */
function child(args) {
  const r = spawnSync(process.execPath, [SELF, '--child', ...args], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`child ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const { values } = parseArgs({ options: { child: { type: 'boolean' }, runs: { type: 'string', default: '3' } }, allowPositionals: true, strict: false });
if (values.child) {
  const [kind, arg] = process.argv.slice(3);
  const result = kind === 'profile' ? await profileChild(arg) : await histogramChild(arg === 'on');
  process.stdout.write(JSON.stringify(result));
} else {
  const runs = Number(values.runs);
  // @ts-expect-error v8.startCpuProfile is Node >= 24.12, newer than our @types/node 20: looked for, not assumed
  const routes = [...(typeof v8.startCpuProfile === 'function' ? ['v8.startCpuProfile'] : []), 'native-eager'];
  /** @type {{ node: string, profiles: Record<string, { share: number, startMs: number }[]>, histogram: Record<string, number[]> }} */
  const out = { node: process.version, profiles: {}, histogram: {} };
  for (let i = 0; i < runs; i++) {
    for (const route of routes) (out.profiles[route] ??= []).push(child(['profile', route]));
    for (const mode of ['off', 'on']) (out.histogram[mode] ??= []).push(child(['histogram', mode]).cpuMsPer5s);
  }
  for (const [route, list] of Object.entries(out.profiles)) {
    console.log(
      `${process.version} ${route}: hot function's share of busy samples ${list.map((r) => `${(r.share * 100).toFixed(0)} %`).join(', ')}; start blocks ${list.map((r) => `${r.startMs.toFixed(1)} ms`).join(', ')}`,
    );
  }
  console.log(
    `${process.version} monitorEventLoopDelay(100 ms) idle CPU per 5 s: off ${out.histogram.off.map((v) => v.toFixed(1)).join(', ')} ms; on ${out.histogram.on.map((v) => v.toFixed(1)).join(', ')} ms`,
  );
}
