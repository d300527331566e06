// Question 5: event-loop delay added by the sampler, and what an armed holmes-node costs a process doing nothing.
//
// The HTTP service of http-overhead (lib/http-server.mjs, one process, holmes-node started and stopped in it per
// run) measures its own loop delay with perf_hooks.monitorEventLoopDelay (1 ms resolution; recorded values are the
// time between the monitor's timer callbacks, so an undelayed loop reads about 1 ms). Variants, alternating order
// each round: off, armed-5s (every default), armed-5s-noEventLoop (the same with the eventLoop rule off, to
// attribute the background cost), armed-100ms (interval 100 ms, every rule's thresholds out of reach as in
// http-overhead), and the two opt-in features at the default 5 s interval, as in http-overhead: flightRecorder
// (cpu.flightRecorder: a CPU profiler always running at 10 ms sampling, two staggered 10 s recordings) and watchdog
// (eventLoop.block 2000: a worker thread and a 100 ms heartbeat timer on the main thread).
// Per run, in this order:
//   idle CPU    no requests, the 1 ms monitor off: the process's CPU time per second (every thread: the profiler's
//               sampler thread and the watchdog's worker count) is holmes' background cost (sampler ticks, its
//               loop-delay histogram timer, its GC observer, the opt-in parts) on top of an idle Node process.
//               flightRecorder, full mode: measured from 5.3 s after start() (both recordings running) over 5 s,
//               which holds exactly one rotation (at 10 s: the older recording stopped and dropped, a new one
//               started); --quick: as the others, the first recording only. The 5 s are read in two parts, 4.45 s
//               without a rotation and the last 0.55 s around the one at 10 s, which separates the steady sampling
//               cost from the CPU time of a rotation
//   idle delay  no requests, monitor on: loop-delay p50/p99/max
//   loaded      a steady 2,000 requests/s from autocannon (10 connections, count-bounded): loop-delay p50/p99/max
//               and the server's CPU time per request at that rate
//   rotation    flightRecorder, full mode only: idle again with the monitor on, from 14.7 to 15.5 s after start(),
//               around the rotation at 15 s: its max loop delay is the stall a rotation puts on the main thread
//               (an idle window: autocannon's overallRate sends each second's quota in one burst, so a short loaded
//               window would not straddle the rotation)
// Then RSS: fresh service processes (node --expose-gc), one per variant and round, all started together (RSS does
// not depend on the CPU they share); each is warmed up with requests, reads its RSS after a full GC, starts its
// variant, waits (6 s in full mode: the flight recorder's two recordings run from 5 s on), and reads its RSS after a
// full GC again, polling the RSS every 500 ms in between. RSS added = the variant's growth minus `off`'s growth in
// the same round.
//
//   node bench/loop-delay.mjs [--quick] [--json out.json]
import { join } from 'node:path';
import { prepareDist } from './lib/load.mjs';
import { log, machine, runMain } from './lib/cli.mjs';
import { makeTemp, removeTemp } from './lib/children.mjs';
import { load, sleep, startService } from './lib/service.mjs';
import { byVariant, rotate, spread, table } from './lib/stats.mjs';
import { VARIANTS as HTTP_VARIANTS, settleFor } from './http-overhead.mjs';

/** @typedef {import('./http-overhead.mjs').Service} Service */

/** @type {Record<string, import('./http-overhead.mjs').VariantOptions | null>} */
const VARIANTS = {
  off: null,
  'armed-5s': HTTP_VARIANTS['armed-5s'],
  // attribution: the same without the eventLoop rule, whose loop-delay histogram has its own timer (resolution
  // interval / 50 within 10–100 ms: 100 ms at 5 s, 10 ms at 100 ms)
  'armed-5s-noEventLoop': { ...HTTP_VARIANTS['armed-5s'], eventLoop: false },
  // attribution: the same without the always-on sampling heap profiler (it runs while the memory, heap or gc rule
  // is on; their series are read all the same): armed-5s minus this is the profiler's idle cost
  'armed-5s-noHeapSampler': HTTP_VARIANTS.noHeapSampler,
  'armed-100ms': HTTP_VARIANTS['armed-100ms'],
  flightRecorder: HTTP_VARIANTS.flightRecorder,
  watchdog: HTTP_VARIANTS.watchdog,
};

/** @param {boolean} quick */
function plan(quick) {
  return quick
    ? {
        rounds: 2,
        idleCpuMs: 300,
        idleDelayMs: 200,
        rate: 2000,
        loadedMs: 400,
        settleMs: 200,
        recorderSettleMs: null,
        recorderIdleCpuMs: null,
        rssRounds: 1,
        rssWarmup: 300,
        rssWaitMs: 1000,
      }
    : {
        rounds: 3,
        idleCpuMs: 1500,
        idleDelayMs: 800,
        rate: 2000,
        loadedMs: 1500,
        settleMs: 400,
        recorderSettleMs: 5_300,
        recorderIdleCpuMs: 5_000,
        recorderRotationWindowMs: 550,
        recorderStallAtMs: 14_700,
        recorderStallMs: 800,
        rssRounds: 3,
        rssWarmup: 500,
        rssWaitMs: 6000,
      };
}

/** @typedef {ReturnType<typeof plan>} Plan */

/** @type {(name: string, p: Plan) => number} */
const idleCpuFor = (name, p) => (name === 'flightRecorder' && p.recorderIdleCpuMs ? p.recorderIdleCpuMs : p.idleCpuMs);

/**
 * @typedef {object} Recorder the flight recorder's figures; the stall window's in full mode only
 * @property {number} steadyCpuUsPerSec
 * @property {number} rotationWindowMs
 * @property {number} rotationWindowCpuUs
 * @property {number} rotationExtraCpuUs
 * @property {number} [stallWindowStartMs]
 * @property {number} [stallWindowEndMs]
 * @property {import('./lib/service.mjs').LoopDelay} [stallWindowLoop]
 * @property {number} [stallWindowMaxMs]
 * @property {number} [stallWindowCpuUs]
 * @property {number} [fallbackWarnings]
 */

/**
 * @param {Service} svc
 * @param {string} name
 * @param {Plan} p
 * @param {string} dumpRoot
 */
async function oneRun(svc, name, p, dumpRoot) {
  await svc.configure(VARIANTS[name], join(dumpRoot, `${name}-${Date.now()}`), settleFor(name, p));
  // about when start() ran in the service: configure answers after the settle time
  const startedAt = performance.now() - settleFor(name, p);
  const split = name === 'flightRecorder' && p.recorderRotationWindowMs ? p.recorderRotationWindowMs : 0;
  let idleCpu;
  /** @type {Recorder | null} */
  let recorder = null;
  if (split) {
    // the flight recorder's steady state, then the window around its rotation 10 s after start()
    const steady = await svc.idleCpu(idleCpuFor(name, p) - split);
    const rotation = await svc.idleCpu(split);
    idleCpu = { ...rotation, cpuUs: steady.cpuUs + rotation.cpuUs, elapsedMs: steady.elapsedMs + rotation.elapsedMs };
    const rate = steady.cpuUs / steady.elapsedMs;
    recorder = {
      steadyCpuUsPerSec: steady.cpuUsPerSec,
      rotationWindowMs: rotation.elapsedMs,
      rotationWindowCpuUs: rotation.cpuUs,
      rotationExtraCpuUs: rotation.cpuUs - rate * rotation.elapsedMs,
    };
  } else {
    idleCpu = await svc.idleCpu(idleCpuFor(name, p));
  }
  await svc.reset(true);
  await sleep(p.idleDelayMs);
  const idle = await svc.stats();
  await svc.reset(true);
  const amount = Math.round((p.rate * p.loadedMs) / 1000);
  const r = await load(svc.port, { connections: 10, amount, overallRate: p.rate, keepLatencies: false });
  const loaded = await svc.stats();
  if (recorder && p.recorderStallAtMs) {
    // the next rotation (15 s after start()), idle, with the 1 ms monitor on
    await sleep(Math.max(0, startedAt + p.recorderStallAtMs - performance.now()));
    recorder.stallWindowStartMs = performance.now() - startedAt;
    await svc.reset(true);
    await sleep(p.recorderStallMs);
    const st = await svc.stats();
    recorder.stallWindowEndMs = performance.now() - startedAt;
    recorder.stallWindowLoop = st.loopDelayMs;
    recorder.stallWindowMaxMs = st.loopDelayMs.max;
    recorder.stallWindowCpuUs = st.cpuUs;
  }
  const logs = await svc.configure(null, undefined, 0);
  if (recorder) recorder.fallbackWarnings = logs.filter(([level, m]) => level === 'warn' && /could not start .*trying the next one/.test(m)).length;
  const dumps = logs.filter(([, m]) => /taking a \w+ dump/.test(m)).map(([, m]) => m);
  if (r.ok !== amount) throw new Error(`${name}: ${r.ok}/${amount} requests ok`);
  if (name === 'watchdog' && !logs.some(([, m]) => /block watchdog on/.test(m))) throw new Error('watchdog: the block watchdog did not start');
  return {
    idleCpuUsPerSec: (idleCpu.cpuUs * 1000) / idleCpu.elapsedMs, // both parts' CPU over both parts' time when split
    idleCpuMs: idleCpu.elapsedMs,
    recorder,
    idleLoop: idle.loopDelayMs,
    loadedLoop: loaded.loopDelayMs,
    loadedRps: r.rps,
    loadedCpuUsPerRequest: loaded.cpuUs / loaded.served,
    threads: idleCpu.threads,
    warnings: logs.filter(([level]) => level !== 'info').map(([level, m]) => `${level}: ${m}`),
    dumps,
  };
}

/**
 * One fresh service of the RSS phase; the figures are filled in as the phase goes.
 * @typedef {object} RssProcess
 * @property {number} round
 * @property {string} name
 * @property {Service} svc
 * @property {boolean} gcRan
 * @property {import('./lib/service.mjs').Stats} before
 * @property {import('./lib/service.mjs').Stats} after
 * @property {number} peak
 * @property {[level: string, message: string][]} logs
 */

/**
 * RSS added by each variant: fresh processes, all at once; per round, the variant's growth minus off's.
 * @param {Plan} p
 * @param {string[]} names
 * @param {string} dumpRoot
 */
async function rssPhase(p, names, dumpRoot) {
  const t0Phase = performance.now();
  /** @type {{ round: number, name: string, svc: Promise<Service> }[]} */
  const starting = [];
  /** @type {RssProcess[]} the services started, in the order they were asked for */
  const started = [];
  try {
    for (let r = 0; r < p.rssRounds; r++) for (const name of names) starting.push({ round: r, name, svc: startService({ execArgv: ['--expose-gc'] }) });
    for (const x of starting) started.push(/** @type {RssProcess} */ ({ round: x.round, name: x.name, svc: await x.svc }));
    for (const x of started) await load(x.svc.port, { connections: 10, amount: p.rssWarmup, keepLatencies: false });
    for (const x of started) {
      x.gcRan = await x.svc.gc();
      x.before = await x.svc.stats();
    }
    await Promise.all(started.map((x) => x.svc.configure(VARIANTS[x.name], join(dumpRoot, `rss-${x.round}-${x.name}`), 0)));
    const t0 = performance.now();
    for (const x of started) x.peak = x.before.rss;
    while (performance.now() - t0 < p.rssWaitMs) {
      await sleep(500);
      for (const x of started) x.peak = Math.max(x.peak, (await x.svc.stats()).rss);
    }
    for (const x of started) {
      await x.svc.gc();
      x.after = await x.svc.stats();
      x.peak = Math.max(x.peak, x.after.rss);
      x.logs = await x.svc.configure(null, undefined, 0);
    }
  } finally {
    await Promise.all(started.map((x) => x.svc.stop().catch(() => undefined)));
  }
  const MB = 2 ** 20;
  const rounds = [];
  for (let r = 0; r < p.rssRounds; r++) {
    /** @type {Record<string, any>} */
    const round = {};
    for (const x of started.filter((y) => y.round === r)) {
      round[x.name] = {
        rssBeforeMb: x.before.rss / MB,
        rssAfterMb: x.after.rss / MB,
        peakMb: x.peak / MB,
        growthMb: (x.after.rss - x.before.rss) / MB,
        peakGrowthMb: (x.peak - x.before.rss) / MB,
        threadsBefore: x.before.threads,
        threadsAfter: x.after.threads,
        gc: x.gcRan,
        warnings: x.logs.filter(([level]) => level !== 'info').map(([level, m]) => `${level}: ${m}`),
      };
    }
    rounds.push(round);
  }
  const perVariant = byVariant(rounds, names, (v) => ({
    rssAfterMb: v.each('rssAfterMb'),
    growthMb: v.each('growthMb'),
    addedMb: v.minus('growthMb'),
    peakAddedMb: v.minus('peakGrowthMb'),
    threadsAdded: v.each((x) => x.threadsAfter - x.threadsBefore),
  }));
  return { seconds: (performance.now() - t0Phase) / 1000, rounds, perVariant };
}

/** @param {import('./lib/cli.mjs').Args} args */
export async function main({ quick }) {
  const p = plan(quick);
  prepareDist();
  const names = Object.keys(VARIANTS);
  const dumpRoot = makeTemp('holmes-bench-loop-');
  const svc = await startService();
  /** @type {Record<string, any>[]} each `{ order, [variant]: run }` */
  const rounds = [];
  log(
    `loop delay: ${p.rounds} rounds x ${names.length} variants; idle CPU ${p.idleCpuMs} ms${p.recorderIdleCpuMs ? ` (flightRecorder: from ${p.recorderSettleMs} ms after start, ${p.recorderIdleCpuMs} ms)` : ''}, idle delay ${p.idleDelayMs} ms, loaded ${p.loadedMs} ms at ${p.rate} req/s; then RSS in ${p.rssRounds * names.length} fresh processes`,
  );
  try {
    await load(svc.port, { connections: 10, amount: 5000, keepLatencies: false }); // warm-up
    for (let r = 0; r < p.rounds; r++) {
      /** @type {Record<string, any>} */
      const round = { order: rotate(names, r) };
      for (const name of round.order) round[name] = await oneRun(svc, name, p, dumpRoot);
      rounds.push(round);
      log(
        `  round ${r + 1}/${p.rounds}: ${names.map((n) => `${n} idle CPU ${round[n].idleCpuUsPerSec.toFixed(0)} µs/s, p99 idle ${round[n].idleLoop.p99.toFixed(2)} / loaded ${round[n].loadedLoop.p99.toFixed(2)} ms`).join('; ')}`,
      );
    }
  } finally {
    await svc.stop().catch(() => undefined);
  }
  let rss;
  try {
    rss = await rssPhase(p, names, dumpRoot);
  } finally {
    removeTemp(dumpRoot);
  }

  const perVariant = byVariant(rounds, names, (v, runs, name) => ({
    idleCpuUsPerSec: v.each('idleCpuUsPerSec'),
    idleP50Ms: v.each((x) => x.idleLoop.p50),
    idleP99Ms: v.each((x) => x.idleLoop.p99),
    idleMaxMs: v.each((x) => x.idleLoop.max),
    loadedP50Ms: v.each((x) => x.loadedLoop.p50),
    loadedP99Ms: v.each((x) => x.loadedLoop.p99),
    loadedMaxMs: v.each((x) => x.loadedLoop.max),
    // per-round differences against off, in the same round
    idleCpuExtraUsPerSec: v.minus('idleCpuUsPerSec'),
    loadedCpuUsPerRequest: v.each('loadedCpuUsPerRequest'),
    loadedCpuPerRequestRatio: v.over('loadedCpuUsPerRequest'),
    threads: v.each((x) => x.threads ?? NaN),
    warnings: runs.flatMap((x) => x.warnings),
    idleCpuMs: idleCpuFor(name, p),
    settleMs: settleFor(name, p),
    ...(runs.some((x) => x.recorder)
      ? {
          recorder: Object.fromEntries(
            Object.entries(runs.find((x) => x.recorder).recorder)
              .filter(([, value]) => typeof value === 'number')
              .map(([k]) => [k, v.each((x) => x.recorder?.[k] ?? NaN)]),
          ),
          // the steady sampling cost without the rotation, against off's idle CPU in the same round
          recorderSteadyExtraUsPerSec: spread(rounds.map((r) => (r[name].recorder ? r[name].recorder.steadyCpuUsPerSec - r.off.idleCpuUsPerSec : NaN))),
        }
      : {}),
    idleP99DeltaMs: v.minus((x) => x.idleLoop.p99),
    loadedP99DeltaMs: v.minus((x) => x.loadedLoop.p99),
    dumpsTaken: runs.flatMap((x) => x.dumps),
  }));
  /** @type {(s: import('./lib/stats.mjs').Spread, d?: number) => string} */
  const f = (s, d = 2) => `${s.median.toFixed(d)} (${s.min.toFixed(d)}–${s.max.toFixed(d)})`;
  log();
  log(
    table([
      [
        'variant',
        'idle CPU µs/s',
        'extra vs off µs/s',
        'idle p99 ms',
        'loaded p50 ms',
        'loaded p99 ms',
        'Δ loaded p99 vs off ms',
        'loaded max ms',
        'loaded CPU µs/req',
        'threads',
        'RSS added MB',
      ],
      ...names.map((n) => {
        const v = perVariant[n];
        return [
          n,
          f(v.idleCpuUsPerSec, 0),
          n === 'off' ? '—' : f(v.idleCpuExtraUsPerSec, 0),
          f(v.idleP99Ms),
          f(v.loadedP50Ms),
          f(v.loadedP99Ms),
          n === 'off' ? '—' : f(v.loadedP99DeltaMs),
          f(v.loadedMaxMs, 1),
          f(v.loadedCpuUsPerRequest, 1),
          String(v.threads.median),
          n === 'off' ? '—' : f(rss.perVariant[n].addedMb, 1),
        ];
      }),
    ]),
  );
  for (const n of names) if (perVariant[n].dumpsTaken.length) log(`note: ${n} took dumps during runs: ${perVariant[n].dumpsTaken.join(' | ')}`);
  for (const n of names) {
    const rec = perVariant[n].recorder;
    // recorderSteadyExtraUsPerSec comes with recorder
    const steadyExtra = /** @type {import('./lib/stats.mjs').Spread} */ (perVariant[n].recorderSteadyExtraUsPerSec);
    if (rec)
      log(
        `${n}: steady sampling (no rotation) ${f(steadyExtra, 0)} µs/s above off; the rotation window (${f(rec.rotationWindowMs, 0)} ms) had ${f(rec.rotationExtraCpuUs, 0)} µs of extra CPU${rec.stallWindowMaxMs ? `; max loop delay around the rotation at 15 s (idle): ${f(rec.stallWindowMaxMs, 1)} ms` : ''}`,
      );
  }
  for (const n of names)
    if (perVariant[n].warnings.length)
      log(`note: ${n} logged ${perVariant[n].warnings.length} warning(s): ${[...new Set(perVariant[n].warnings)].join(' | ')}`);
  return { name: 'loop-delay', machine: machine(), quick, plan: p, variants: VARIANTS, perVariant, rounds, rss };
}

await runMain(import.meta.url, main);
