// Question 6: what does the always-on sampling heap profiler (memory.samplingInterval, 512 KiB) cost an idle process
// and one that allocates?
//
// One child process (this file with --child) alternates, window after window, between V8's sampling heap profiler
// running (started from an in-process inspector session at 512 KiB, as holmes-node does) and not running, and
// measures its own CPU time (process.cpuUsage: every thread) and RSS over each window:
//   idle      5 s windows in which the process does nothing (the 5 s interval of holmes-node's default sampler)
//   alloc     1 s windows in which it allocates small objects, 5,000 per event-loop turn, keeping the newest
//             50,000 to 100,000 alive: CPU per window, and the profile's live samples
// Pairs on/off are interleaved (on off, off on, …) so the machine's drift hits both; the figure is the median of the
// per-pair differences.
//   node bench/heap-sampler-cost.mjs [--quick] [--json out.json]
import { spawn } from 'node:child_process';
import { Session } from 'node:inspector';
import { fileURLToPath } from 'node:url';
import { log, machine, runMain } from './lib/cli.mjs';
import { spread } from './lib/stats.mjs';

const INTERVAL_BYTES = 512 * 1024;

/**
 * One window's figures; `samples` is the profile's live samples when the profiler ran.
 * @typedef {{ on: boolean, cpuUs: number, elapsedMs: number, rssBefore: number, rssAfter: number, samples: number | null }} Window
 */
/** @typedef {{ idle: Window[][], alloc: Window[][] }} Raw each a list of on/off pairs */

/** @param {{ pairs: number, idleMs: number, allocMs: number }} p */
async function child({ pairs, idleMs, allocMs }) {
  const session = new Session();
  session.connect();
  /** @type {(method: string, params?: object) => Promise<any>} */
  const post = (method, params = {}) => new Promise((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r))));
  /** @param {number} ms */
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  /** @type {{ a: number, b: string, c: null, d: number }[]} */
  const kept = [];
  /** @param {number} ms */
  const allocate = async (ms) => {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      for (let i = 0; i < 5000; i++) kept.push({ a: kept.length, b: 'x', c: null, d: 0.5 });
      if (kept.length > 100_000) kept.splice(0, 50_000);
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  /** @type {(on: boolean, run: (ms: number) => Promise<unknown>, ms: number) => Promise<Window>} */
  const window = async (on, run, ms) => {
    if (on) await post('HeapProfiler.startSampling', { samplingInterval: INTERVAL_BYTES });
    const rss0 = process.memoryUsage.rss();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await run(ms);
    const cpu = process.cpuUsage(cpu0);
    const elapsed = performance.now() - t0;
    const rss = process.memoryUsage.rss();
    let samples = null;
    if (on) samples = (await post('HeapProfiler.stopSampling')).profile.samples.length;
    return { on, cpuUs: cpu.user + cpu.system, elapsedMs: elapsed, rssBefore: rss0, rssAfter: rss, samples };
  };
  await sleep(1000);
  /** @type {Raw} */
  const out = { idle: [], alloc: [] };
  for (let i = 0; i < pairs; i++) {
    const order = i % 2 === 0 ? [true, false] : [false, true];
    const idle = [];
    for (const on of order) idle.push(await window(on, sleep, idleMs));
    const alloc = [];
    for (const on of order) alloc.push(await window(on, allocate, allocMs));
    out.idle.push(idle);
    out.alloc.push(alloc);
  }
  session.disconnect();
  process.stdout.write(JSON.stringify(out));
}

/** @param {import('./lib/cli.mjs').Args} args */
export async function main({ quick }) {
  const p = quick ? { pairs: 2, idleMs: 1000, allocMs: 300 } : { pairs: 8, idleMs: 5000, allocMs: 1000 };
  log(`heap sampler cost: ${p.pairs} on/off pairs of ${p.idleMs} ms idle and ${p.allocMs} ms allocating windows, interval ${INTERVAL_BYTES / 1024} KiB`);
  /** @type {Raw} */
  const raw = await new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', JSON.stringify(p)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    proc.stdout.on('data', (chunk) => (text += chunk));
    proc.on('exit', (code) => (code === 0 ? resolve(JSON.parse(text)) : reject(new Error(`child exited ${code}`))));
  });
  // every pair holds one window with the profiler on and one with it off
  /** @type {(pair: Window[]) => Window} */
  const onOf = (pair) => /** @type {Window} */ (pair.find((w) => w.on));
  /** @type {(pair: Window[]) => Window} */
  const offOf = (pair) => /** @type {Window} */ (pair.find((w) => !w.on));
  /** @type {(pairs: Window[][], f: (w: Window) => number) => import('./lib/stats.mjs').Spread} */
  const diff = (pairs, f) => spread(pairs.map((pair) => f(onOf(pair)) - f(offOf(pair))));
  /** @param {Window} w */
  const perSecond = (w) => (w.cpuUs / w.elapsedMs) * 1000;
  const result = {
    name: 'heap-sampler-cost',
    machine: machine(),
    quick,
    plan: { ...p, intervalBytes: INTERVAL_BYTES },
    idle: {
      extraCpuUsPer5s: diff(raw.idle, (w) => perSecond(w) * 5),
      extraCpuPercentOfCore: diff(raw.idle, (w) => perSecond(w) / 1e4),
      offCpuUsPer5s: spread(raw.idle.map((pair) => perSecond(offOf(pair)) * 5)),
      extraRssKb: diff(raw.idle, (w) => (w.rssAfter - w.rssBefore) / 1024),
    },
    alloc: {
      extraCpuPercentOfCore: diff(raw.alloc, (w) => perSecond(w) / 1e4),
      offCpuPercentOfCore: spread(raw.alloc.map((pair) => perSecond(offOf(pair)) / 1e4)),
      samples: spread(raw.alloc.map((pair) => /** @type {number} */ (onOf(pair).samples))), // set when on
    },
    raw,
  };
  /** @param {number} x */
  const pct = (x) => `${x.toFixed(3)} %`;
  log(
    `  idle: +${result.idle.extraCpuUsPer5s.median.toFixed(0)} µs CPU per 5 s (${pct(result.idle.extraCpuPercentOfCore.median)} of a core; off: ${result.idle.offCpuUsPer5s.median.toFixed(0)} µs per 5 s), RSS ${result.idle.extraRssKb.median.toFixed(0)} KB`,
  );
  log(
    `  allocating: ${pct(result.alloc.extraCpuPercentOfCore.median)} of a core more (off: ${pct(result.alloc.offCpuPercentOfCore.median)}); ${result.alloc.samples.median} samples live`,
  );
  return result;
}

if (process.argv[2] === '--child') await child(JSON.parse(process.argv[3]));
else runMain(import.meta.url, main);
