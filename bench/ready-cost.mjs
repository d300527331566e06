// Question 6: what does being ready to profile cost? holmes-node's start() creates its native CPU profiler in eager
// logging mode (so a late profile names inlined hot functions); no profile runs until a rule fires. This compares,
// in fresh service processes (lib/http-server.mjs, the eager profiler is once per process), variants in rotated
// order each round:
//   off         holmes-node imported, not started
//   off-again   the same: an A/A control; its ratio to `off` is the noise band
//   late-5s     new Holmes() at the default 5 s interval, the addon refused at load (test/fixtures/break-addon.cjs,
//               as when it is not built): no eager profiler, profiles would come from node:inspector
//   eager-5s    the same with the addon: the eager profiler exists, idle
//   late-100ms, eager-100ms   the same at a 100 ms interval
// Every rule's abs and diff are out of reach (1e9) so nothing fires. Per process: start(), then idle CPU of the
// whole process (the 1 ms loop monitor off) in two 5 s windows: 1–6 s after start() ("early": holmes' code is
// still being compiled and optimized) and 16–21 s after ("steady": one reading at 20 s on the 5 s interval), RSS after a full GC, then HTTP load
// (autocannon, 10 connections, count-bounded) for req/s and server CPU per request.
//
//   node bench/ready-cost.mjs [--quick] [--json out.json]
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { prepareDist } from './lib/load.mjs';
import { log, machine, runMain } from './lib/cli.mjs';
import { makeTemp, removeTemp } from './lib/children.mjs';
import { load, sleep, startService } from './lib/service.mjs';
import { acrossRounds, byVariant, median, rotate, table } from './lib/stats.mjs';

const NO_ADDON = fileURLToPath(new URL('../test/fixtures/break-addon.cjs', import.meta.url));

/** @type {Record<string, { addon: boolean, holmes: import('./http-overhead.mjs').VariantOptions } | null>} */
export const VARIANTS = {
  off: null,
  'off-again': null,
  'late-5s': { addon: false, holmes: { unreachable: true } },
  'eager-5s': { addon: true, holmes: { unreachable: true } },
  'late-100ms': { addon: false, holmes: { interval: 100, unreachable: true } },
  'eager-100ms': { addon: true, holmes: { interval: 100, unreachable: true } },
};

/** @param {boolean} quick */
function plan(quick) {
  return quick
    ? { rounds: 1, settleMs: 1000, idleMs: 2000, steadyAtMs: 6000, warmup: 1000, amount: 3000 }
    : { rounds: 3, settleMs: 1000, idleMs: 5000, steadyAtMs: 16_000, warmup: 3000, amount: 15_000 };
}

/**
 * @param {string} name
 * @param {ReturnType<typeof plan>} p
 * @param {string} dumpRoot
 */
async function oneRun(name, p, dumpRoot) {
  const variant = VARIANTS[name];
  const execArgv = ['--expose-gc', ...(variant && !variant.addon ? ['--require', NO_ADDON] : [])];
  const svc = await startService({ execArgv });
  try {
    await svc.configure(variant?.holmes ?? null, join(dumpRoot, `${name}-${Date.now()}`), p.settleMs);
    const startedAt = performance.now() - p.settleMs;
    const early = await svc.idleCpu(p.idleMs);
    await sleep(startedAt + p.steadyAtMs - performance.now());
    const idle = await svc.idleCpu(p.idleMs);
    await svc.gc();
    const rss = (await svc.stats()).rss;
    await load(svc.port, { connections: 10, amount: p.warmup, keepLatencies: false });
    await svc.reset(false);
    const r = await load(svc.port, { connections: 10, amount: p.amount, keepLatencies: false });
    const loaded = await svc.stats();
    if (r.ok !== p.amount) throw new Error(`${name}: ${r.ok}/${p.amount} requests ok`);
    const logs = await svc.configure(null, undefined, 0);
    const eagerRefused = logs.some(([, m]) => /native profiler addon is not available/.test(m));
    if (variant && eagerRefused === variant.addon) throw new Error(`${name}: the addon was ${variant.addon ? 'not ' : ''}available: ${JSON.stringify(logs)}`);
    return {
      earlyCpuUsPerSec: early.cpuUsPerSec,
      idleCpuUsPerSec: idle.cpuUsPerSec,
      idleThreads: idle.threads,
      rssMB: rss / 2 ** 20,
      rps: r.rps,
      cpuUsPerRequest: loaded.cpuUs / loaded.served,
      dumps: logs.filter(([, m]) => /taking a \w+ dump/.test(m)).length,
    };
  } finally {
    await svc.stop().catch(() => null);
  }
}

/** @param {import('./lib/cli.mjs').Args} args */
async function main({ quick }) {
  prepareDist();
  const p = plan(quick);
  const names = Object.keys(VARIANTS);
  const dumpRoot = makeTemp('holmes-bench-ready-');
  log(
    `ready cost: ${p.rounds} rounds x ${names.length} variants, a fresh service per run: settle ${p.settleMs} ms, idle ${p.idleMs} ms, ${p.warmup} + ${p.amount} requests`,
  );
  /** @type {Record<string, Awaited<ReturnType<typeof oneRun>>>[]} */
  const rounds = [];
  try {
    for (let round = 0; round < p.rounds; round++) {
      /** @type {Record<string, Awaited<ReturnType<typeof oneRun>>>} */
      const runs = {};
      for (const name of rotate(names, round)) runs[name] = await oneRun(name, p, dumpRoot);
      rounds.push(runs);
      const line = names
        .map((n) => `${n} ${(runs[n].earlyCpuUsPerSec / 1000).toFixed(2)}/${(runs[n].idleCpuUsPerSec / 1000).toFixed(2)} ms/s ${runs[n].rps.toFixed(0)} req/s`)
        .join(' | ');
      log(`round ${round + 1}: ${line}`);
    }
  } finally {
    removeTemp(dumpRoot);
  }
  // per round, each variant against `off` of the same round (idle: difference in µs/s; load: ratio)
  const perVariant = byVariant(rounds, names, (v, runs) => ({
    earlyCpuUsPerSec: v.each('earlyCpuUsPerSec'),
    idleCpuUsPerSec: v.each('idleCpuUsPerSec'),
    idleExtraUsPerSec: v.minus('idleCpuUsPerSec'),
    rssMB: v.each('rssMB'),
    rpsRatio: v.over('rps'),
    cpuPerRequestRatio: v.over('cpuUsPerRequest'),
    threads: median(runs.map((r) => r.idleThreads)),
    dumps: runs.reduce((sum, r) => sum + r.dumps, 0),
  }));
  // what the eager profiler itself adds: eager minus late of the same round, at each interval
  /** @param {string} interval */
  const eagerOverLate = (interval) => acrossRounds(rounds, `eager-${interval}`, `late-${interval}`);
  /** @type {(interval: string, key?: string) => import('./lib/stats.mjs').Spread} */
  const eagerExtra = (interval, key = 'idleCpuUsPerSec') => eagerOverLate(interval).minus(key);
  const eager = {
    idleExtraUsPerSec5s: eagerExtra('5s'),
    idleExtraUsPerSec100ms: eagerExtra('100ms'),
    earlyExtraUsPerSec5s: eagerExtra('5s', 'earlyCpuUsPerSec'),
    earlyExtraUsPerSec100ms: eagerExtra('100ms', 'earlyCpuUsPerSec'),
    rssExtraMB: eagerOverLate('5s').minus('rssMB'),
    rpsRatio: eagerOverLate('5s').over('rps'),
  };
  /** @param {number} usPerSec */
  const pct = (usPerSec) => `${(usPerSec / 10_000).toFixed(3)} %`;
  /** @param {import('./lib/stats.mjs').Spread} s */
  const rel = (s) => `${((s.median - 1) * 100).toFixed(1)} % [${((s.min - 1) * 100).toFixed(1)} … ${((s.max - 1) * 100).toFixed(1)}]`;
  log(
    table([
      [
        'variant',
        'idle CPU 1–6 s after start',
        'idle CPU 16–21 s after',
        'ms per 5 s (steady)',
        'RSS MB',
        'threads',
        'Δ req/s vs off (min … max)',
        'Δ CPU/req vs off',
      ],
      ...names.map((n) => {
        const v = perVariant[n];
        return [
          n,
          pct(v.earlyCpuUsPerSec.median),
          pct(v.idleCpuUsPerSec.median),
          (v.idleCpuUsPerSec.median * 5e-3).toFixed(1),
          v.rssMB.median.toFixed(1),
          String(v.threads),
          rel(v.rpsRatio),
          rel(v.cpuPerRequestRatio),
        ];
      }),
    ]),
  );
  /** @param {import('./lib/stats.mjs').Spread} x */
  const band = (x) => `${pct(x.median)} (${pct(x.min)} … ${pct(x.max)})`;
  log(
    `eager profiler itself (eager - late, same round), share of a core: steady idle at 5 s ${band(eager.idleExtraUsPerSec5s)}, at 100 ms ${band(eager.idleExtraUsPerSec100ms)}; 1–6 s after start at 5 s ${band(eager.earlyExtraUsPerSec5s)}, at 100 ms ${band(eager.earlyExtraUsPerSec100ms)}`,
  );
  log(
    `RSS ${eager.rssExtraMB.median.toFixed(1)} MB (${eager.rssExtraMB.min.toFixed(1)} … ${eager.rssExtraMB.max.toFixed(1)}); req/s eager / late ${rel(eager.rpsRatio)}; noise band (off-again / off) req/s ${rel(perVariant['off-again'].rpsRatio)}`,
  );
  // the target: what being ready adds, idle at the default 5 s interval, at most 0.1 % of a core
  const targets = { eagerIdleAt5sUnder0_1pct: eager.idleExtraUsPerSec5s.median / 10_000 <= 0.1 };
  return { name: 'ready-cost', machine: machine(), quick, plan: p, variants: VARIANTS, perVariant, eager, targets, rounds };
}

await runMain(import.meta.url, main);
