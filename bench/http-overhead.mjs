// Question 2: what does holmes-node cost a real service?
//
// A small HTTP server on loopback runs in a child process (lib/http-server.mjs), loaded by autocannon from this
// process: 10 connections, count-bounded. One server process serves every run (warmed up once); before each run
// the variant's Holmes is started in it (the previous one stopped), so only holmes-node differs between runs.
// Variants, in rotated order each round
// (A B C D E F, B C D E F A, …), every ratio against the `off` run of the same round:
//   off        holmes-node not loaded
//   off-again  holmes-node not loaded: an A/A control whose ratio to `off` is the noise band
//   armed-5s   new Holmes().start() with every default (interval 5 s)
//   armed-100ms interval 100 ms; every rule's abs and diff set out of reach (1e9; min unchanged) so nothing
//              fires: the loaded server at ~100 % of a core would fire the cpu rule (that is the next variant)
//              and a single GC pause can fill 10 % of a 100 ms window (the gc rule); sampling, every source and
//              every rule evaluation run as usual
//   profiling  interval 100 ms, window 1, cpu min 0 abs 0, profileDuration 600 s: the cpu rule fires on the 2nd
//              tick and a CPU profile (holmes' 1 ms sampling) runs through the whole measured load; stop()
//              abandons it (the log line proves it was running)
//   trackStacks default 5 s interval with handles.trackStacks on (an async_hooks init hook per resource)
//   flightRecorder default 5 s interval with cpu.flightRecorder on: a CPU profiler always running at 10 ms sampling,
//              two staggered 10 s recordings (the second starts 5 s after start(), then one is replaced every 5 s).
//              Full mode: this variant settles 5.3 s after start() (the others 250 ms), so both recordings run
//              through its warm-up and measured load, as in a service that has run for a while; the next
//              rotation (10 s after start) comes after the measured load. --quick: 250 ms, the first recording
//              only (a smoke run). Checked per round: the server has more threads than in `off` (each running
//              CPU profiler has its own sampler thread)
//   watchdog   default 5 s interval with eventLoop.block 2000: the blocked-loop watchdog's worker thread and
//              the main thread's heartbeat timer (every 100 ms). Checked: the watchdog logged that it started
//
//   noHeapSampler default 5 s interval with the memory, heap and gc rules off: the always-on sampling heap profiler
//              (512 KiB) does not run; armed-5s against it is the profiler's cost under load
//
//   node bench/http-overhead.mjs [--quick] [--json out.json] [--variants armed-5s,noHeapSampler]
//   (--variants: only those, beside off and off-again, which every run needs)
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { prepareDist } from './lib/load.mjs';
import { log, machine, runMain } from './lib/cli.mjs';
import { makeTemp, removeTemp } from './lib/children.mjs';
import { load, startService } from './lib/service.mjs';
import { byVariant, median, rotate, table } from './lib/stats.mjs';

/** @typedef {import('../src/index.js').HolmesOptions & { unreachable?: boolean }} VariantOptions see lib/http-server.mjs */
/** @typedef {Awaited<ReturnType<typeof startService>>} Service */

/** @type {Record<string, VariantOptions | null>} */
export const VARIANTS = {
  off: null,
  'off-again': null,
  'armed-5s': {},
  'armed-100ms': { interval: 100, unreachable: true },
  profiling: { interval: 100, window: 1, cpu: { min: 0, abs: 0, profileDuration: 600_000 } },
  trackStacks: { handles: { trackStacks: true } },
  flightRecorder: { cpu: { flightRecorder: true } },
  watchdog: { eventLoop: { block: 2000 } },
  noHeapSampler: { memory: false, heap: false, gc: false },
};

/**
 * The flight recorder's second recording used to fail to start on v8-profiler-next while the first ran (it refused
 * setSamplingInterval then) and fell back to node:inspector with this warning; the native addon gives each profile
 * its own interval, so the count should now be 0. Still counted, not treated as a fault.
 */
const RECORDER_FALLBACK = /CPU profiler native could not start .*trying the next one/;

/**
 * Settle time after start() for a variant: the flight recorder's steady state (two recordings) from 5 s on.
 * @param {string} name
 * @param {{ settleMs: number, recorderSettleMs?: number | null }} p
 */
export function settleFor(name, p) {
  return name === 'flightRecorder' && p.recorderSettleMs ? p.recorderSettleMs : p.settleMs;
}

/** @param {boolean} quick */
function plan(quick) {
  return quick
    ? { rounds: 2, connections: 10, firstWarmup: 6_000, warmup: 800, amount: 3_000, settleMs: 250, recorderSettleMs: null }
    : { rounds: 12, connections: 10, firstWarmup: 40_000, warmup: 1_500, amount: 6_000, settleMs: 250, recorderSettleMs: 5_300 };
}

/**
 * @param {Service} svc
 * @param {string} name
 * @param {ReturnType<typeof plan>} p
 * @param {string} dumpRoot
 */
async function oneRun(svc, name, p, dumpRoot) {
  const dumpDir = join(dumpRoot, `${name}-${Date.now()}`);
  await svc.configure(VARIANTS[name], dumpDir, settleFor(name, p));
  await load(svc.port, { connections: p.connections, amount: p.warmup, keepLatencies: false });
  await svc.reset();
  const r = await load(svc.port, { connections: p.connections, amount: p.amount });
  const latencyMs = /** @type {NonNullable<typeof r.latencyMs>} */ (r.latencyMs); // kept: keepLatencies defaults to true
  const st = await svc.stats();
  const logs = await svc.configure(null, undefined, 0); // stops this variant's Holmes; returns its log
  const profiled = logs.some(([, m]) => /capture abandoned/.test(m));
  const fallbacks = logs.filter(([level, m]) => level === 'warn' && RECORDER_FALLBACK.test(m)).length;
  const faults = logs.filter(([level, m]) => level !== 'info' && !(name === 'flightRecorder' && level === 'warn' && RECORDER_FALLBACK.test(m)));
  const leftovers = existsSync(dumpDir) ? readdirSync(dumpDir) : [];
  if (r.errors || r.timeouts || r.non2xx || r.ok !== p.amount) {
    throw new Error(`${name}: ${r.ok}/${p.amount} ok, ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx`);
  }
  if (name === 'profiling' && !profiled) throw new Error('profiling: no CPU profile was running during the load');
  if (faults.length) throw new Error(`${name}: holmes reported ${JSON.stringify(faults)}`);
  if (name === 'watchdog' && !logs.some(([, m]) => /block watchdog on/.test(m))) throw new Error('watchdog: the block watchdog did not start');
  return {
    rps: r.rps,
    latencyP50Ms: latencyMs.p50,
    latencyP99Ms: latencyMs.p99,
    latencyMaxMs: latencyMs.max,
    spanMs: r.spanMs,
    serverCpuUsPerRequest: st.cpuUs / st.served,
    serverLoopDelayP99Ms: st.loopDelayMs.p99,
    profiled,
    // dumps holmes started during the run (the profiling variant's one is expected; any other is reported)
    dumps: logs.filter(([, m]) => /taking a \w+ dump/.test(m)).map(([, m]) => m),
    leftoverFiles: leftovers.length,
    // threads of the server during the measured load (each running CPU profiler and the watchdog's worker add one)
    threads: st.threads,
    // the flight recorder's fallbacks to node:inspector (see RECORDER_FALLBACK) during this run
    profilerFallbacks: fallbacks,
  };
}

/** @param {import('./lib/cli.mjs').Args} args */
export async function main({ quick, variants }) {
  const p = plan(quick);
  prepareDist();
  for (const name of variants ?? []) if (!(name in VARIANTS)) throw new Error(`unknown variant ${name}; known: ${Object.keys(VARIANTS).join(', ')}`);
  const names = variants ? ['off', 'off-again', ...variants.filter((name) => !name.startsWith('off'))] : Object.keys(VARIANTS);
  const dumpRoot = makeTemp('holmes-bench-http-');
  log(
    `http overhead: ${p.rounds} rounds x ${names.length} variants in one server process; ${p.firstWarmup} warm-up requests once, then per run: configure (settle ${p.settleMs} ms${p.recorderSettleMs ? `, flightRecorder ${p.recorderSettleMs} ms` : ''}), ${p.warmup} warm-up, ${p.amount} measured, ${p.connections} connections`,
  );
  /** @type {Record<string, any>[]} each `{ order, [variant]: run }` */
  const rounds = [];
  const svc = await startService();
  try {
    await load(svc.port, { connections: p.connections, amount: p.firstWarmup, keepLatencies: false });
    for (let r = 0; r < p.rounds; r++) {
      /** @type {Record<string, any>} */
      const round = { order: rotate(names, r) };
      for (const name of round.order) round[name] = await oneRun(svc, name, p, dumpRoot);
      rounds.push(round);
      if (round.flightRecorder && round.off.threads !== null && !(round.flightRecorder.threads > round.off.threads)) {
        throw new Error(`flightRecorder: ${round.flightRecorder.threads} threads during the load, as many as off (${round.off.threads}): no profiler running`);
      }
      log(`  round ${r + 1}/${p.rounds}: ${names.map((n) => `${n} ${round[n].rps.toFixed(0)}/s p99 ${round[n].latencyP99Ms.toFixed(2)} ms`).join(', ')}`);
    }
  } finally {
    await svc.stop().catch(() => undefined);
    removeTemp(dumpRoot);
  }

  const perVariant = byVariant(rounds, names, (v, runs, name) => ({
    rps: v.each('rps'),
    latencyP99Ms: v.each('latencyP99Ms'),
    latencyP50Ms: v.each('latencyP50Ms'),
    serverCpuUsPerRequest: v.each('serverCpuUsPerRequest'),
    serverLoopDelayP99Ms: v.each('serverLoopDelayP99Ms'),
    // rps ratio < 1 means fewer requests/s than off; cost = 1 - ratio
    rpsRatio: v.over('rps'),
    p99Ratio: v.over('latencyP99Ms'),
    cpuPerRequestRatio: v.over('serverCpuUsPerRequest'),
    dumpsTaken: runs.reduce((n, x) => n + x.dumps.length, 0),
    leftoverFiles: runs.reduce((n, x) => n + x.leftoverFiles, 0),
    threads: v.each((x) => x.threads ?? NaN),
    profilerFallbacks: runs.reduce((n, x) => n + x.profilerFallbacks, 0),
    settleMs: settleFor(name, p),
  }));
  const offRps = rounds.map((r) => r.off.rps);
  // A/A: ratio of two unwatched runs in the same round
  const aaRpsRatio = perVariant['off-again'].rpsRatio;
  // the A/A band: half the interquartile range of the A/A ratio, and the full min-max half-width
  const aaHalfWidthPct = Math.max(Math.abs(aaRpsRatio.p25 - 1), Math.abs(aaRpsRatio.p75 - 1)) * 100;
  const noise = {
    // spread of the baseline itself across rounds: (max - min) / median
    baselineRpsSpreadPct: ((Math.max(...offRps) - Math.min(...offRps)) / median(offRps)) * 100,
    aaRpsRatio,
    aaP99Ratio: perVariant['off-again'].p99Ratio,
    aaCpuPerRequestRatio: perVariant['off-again'].cpuPerRequestRatio,
    aaHalfWidthPct,
    aaFullHalfWidthPct: Math.max(Math.abs(aaRpsRatio.min - 1), Math.abs(aaRpsRatio.max - 1)) * 100,
  };
  /** @param {string} name */
  const cost = (name) => (perVariant[name] ? (1 - perVariant[name].rpsRatio.median) * 100 : Number.NaN);
  const targets = {
    armed5sIndistinguishable: {
      target:
        'armed at 5 s: rps cost under 0.5 % (not resolvable end to end: the A/A band is wider); withinNoise = |median cost| <= the A/A interquartile half-width',
      costPct: cost('armed-5s'),
      aaHalfWidthPct,
      withinNoise: Math.abs(cost('armed-5s')) <= aaHalfWidthPct,
    },
    armed100msUnder2pct: { target: 'armed at 100 ms: rps cost under 2 %', costPct: cost('armed-100ms'), met: cost('armed-100ms') < 2 },
  };

  /** @param {number} x */
  const d = (x) => ((x - 1) * 100).toFixed(1);
  /** @param {import('./lib/stats.mjs').Spread} s */
  const pct = (s) => `${d(s.median)} % [${d(s.p25)} … ${d(s.p75)}] (${d(s.min)} … ${d(s.max)})`;
  log();
  log(
    table([
      ['variant', 'req/s (median)', 'Δ req/s vs off: median [quartiles] (min … max)', 'p99 ms', 'Δ p99 vs off', 'server CPU µs/req', 'Δ CPU/req', 'threads'],
      ...names.map((n) => {
        const v = perVariant[n];
        return [
          n,
          v.rps.median.toFixed(0),
          n === 'off' ? '—' : pct(v.rpsRatio),
          v.latencyP99Ms.median.toFixed(2),
          n === 'off' ? '—' : pct(v.p99Ratio),
          v.serverCpuUsPerRequest.median.toFixed(1),
          n === 'off' ? '—' : pct(v.cpuPerRequestRatio),
          String(v.threads.median),
        ];
      }),
    ]),
  );
  for (const n of names) {
    const expected = n === 'profiling' ? p.rounds : 0;
    if (perVariant[n].dumpsTaken !== expected) log(`note: ${n} started ${perVariant[n].dumpsTaken} dump(s) over ${p.rounds} runs (expected ${expected})`);
  }
  if (perVariant.flightRecorder?.profilerFallbacks)
    log(
      `note: flightRecorder: the second recording fell back from v8-profiler-next to node:inspector in ${perVariant.flightRecorder.profilerFallbacks} of ${p.rounds} runs (a warning each)`,
    );
  log(`noise band: baseline req/s spread across rounds ${noise.baselineRpsSpreadPct.toFixed(1)} %; A/A (off-again vs off) ${pct(noise.aaRpsRatio)}`);

  return { name: 'http-overhead', machine: machine(), quick, plan: p, variants: VARIANTS, perVariant, noise, targets, rounds };
}

await runMain(import.meta.url, main);
