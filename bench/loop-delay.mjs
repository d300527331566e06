// Question 5: event-loop delay added by the sampler, and what an armed holmes-node costs a process doing nothing.
//
// The HTTP service of http-overhead (lib/http-server.mjs, one process, holmes-node started and stopped in it per
// run) measures its own loop delay with perf_hooks.monitorEventLoopDelay (1 ms resolution; recorded values are the
// time between the monitor's timer callbacks, so an undelayed loop reads about 1 ms). Variants, alternating order
// each round: off, armed-5s (every default), armed-5s-noEventLoop (the same with the eventLoop rule off, to
// attribute the background cost), armed-100ms (interval 100 ms, every rule's thresholds out of reach as in
// http-overhead).
// Per run, in this order:
//   idle CPU    no requests, the 1 ms monitor off: the process's CPU time per second is holmes' background cost
//               (sampler ticks, its loop-delay histogram timer, its GC observer) on top of an idle Node process
//   idle delay  no requests, monitor on: loop-delay p50/p99/max
//   loaded      a steady 2,000 requests/s from autocannon (10 connections, count-bounded): loop-delay p50/p99/max
//
//   node bench/loop-delay.mjs [--quick] [--json out.json]
import { join } from 'node:path';
import { prepareDist } from './lib/load.mjs';
import { log, machine, runMain } from './lib/cli.mjs';
import { makeTemp, removeTemp } from './lib/children.mjs';
import { load, startService } from './lib/service.mjs';
import { rotate, spread, table } from './lib/stats.mjs';
import { VARIANTS as HTTP_VARIANTS } from './http-overhead.mjs';

const VARIANTS = {
  off: null,
  'armed-5s': HTTP_VARIANTS['armed-5s'],
  // attribution: the same without the eventLoop rule, whose loop-delay histogram has its own timer (resolution
  // interval / 50 within 10–100 ms: 100 ms at 5 s, 10 ms at 100 ms)
  'armed-5s-noEventLoop': { ...HTTP_VARIANTS['armed-5s'], eventLoop: false },
  'armed-100ms': HTTP_VARIANTS['armed-100ms'],
};

function plan(quick) {
  return quick
    ? { rounds: 2, idleCpuMs: 300, idleDelayMs: 200, rate: 2000, loadedMs: 400, settleMs: 200 }
    : { rounds: 3, idleCpuMs: 1500, idleDelayMs: 800, rate: 2000, loadedMs: 1500, settleMs: 400 };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function oneRun(svc, name, p, dumpRoot) {
  await svc.configure(VARIANTS[name], join(dumpRoot, `${name}-${Date.now()}`), p.settleMs);
  await svc.reset(false);
  await sleep(p.idleCpuMs);
  const idleCpu = await svc.stats();
  await svc.reset(true);
  await sleep(p.idleDelayMs);
  const idle = await svc.stats();
  await svc.reset(true);
  const amount = Math.round((p.rate * p.loadedMs) / 1000);
  const r = await load(svc.port, { connections: 10, amount, overallRate: p.rate, keepLatencies: false });
  const loaded = await svc.stats();
  const logs = await svc.configure(null, undefined, 0);
  const dumps = logs.filter(([, m]) => /taking a \w+ dump/.test(m)).map(([, m]) => m);
  if (r.ok !== amount) throw new Error(`${name}: ${r.ok}/${amount} requests ok`);
  return {
    idleCpuUsPerSec: (idleCpu.cpuUs * 1000) / idleCpu.elapsedMs,
    idleLoop: idle.loopDelayMs,
    loadedLoop: loaded.loopDelayMs,
    loadedRps: r.rps,
    dumps,
  };
}

export async function main({ quick }) {
  const p = plan(quick);
  prepareDist();
  const names = Object.keys(VARIANTS);
  const dumpRoot = makeTemp('holmes-bench-loop-');
  const svc = await startService();
  const rounds = [];
  log(`loop delay: ${p.rounds} rounds x ${names.length} variants; idle CPU ${p.idleCpuMs} ms, idle delay ${p.idleDelayMs} ms, loaded ${p.loadedMs} ms at ${p.rate} req/s`);
  try {
    await load(svc.port, { connections: 10, amount: 5000, keepLatencies: false }); // warm-up
    for (let r = 0; r < p.rounds; r++) {
      const round = { order: rotate(names, r) };
      for (const name of round.order) round[name] = await oneRun(svc, name, p, dumpRoot);
      rounds.push(round);
      log(`  round ${r + 1}/${p.rounds}: ${names.map((n) => `${n} idle CPU ${round[n].idleCpuUsPerSec.toFixed(0)} µs/s, p99 idle ${round[n].idleLoop.p99.toFixed(2)} / loaded ${round[n].loadedLoop.p99.toFixed(2)} ms`).join('; ')}`);
    }
  } finally {
    await svc.stop().catch(() => undefined);
    removeTemp(dumpRoot);
  }

  const perVariant = {};
  for (const name of names) {
    const runs = rounds.map((r) => r[name]);
    perVariant[name] = {
      idleCpuUsPerSec: spread(runs.map((x) => x.idleCpuUsPerSec)),
      idleP50Ms: spread(runs.map((x) => x.idleLoop.p50)),
      idleP99Ms: spread(runs.map((x) => x.idleLoop.p99)),
      idleMaxMs: spread(runs.map((x) => x.idleLoop.max)),
      loadedP50Ms: spread(runs.map((x) => x.loadedLoop.p50)),
      loadedP99Ms: spread(runs.map((x) => x.loadedLoop.p99)),
      loadedMaxMs: spread(runs.map((x) => x.loadedLoop.max)),
      // per-round differences against off, in the same round
      idleCpuExtraUsPerSec: spread(rounds.map((r) => r[name].idleCpuUsPerSec - r.off.idleCpuUsPerSec)),
      idleP99DeltaMs: spread(rounds.map((r) => r[name].idleLoop.p99 - r.off.idleLoop.p99)),
      loadedP99DeltaMs: spread(rounds.map((r) => r[name].loadedLoop.p99 - r.off.loadedLoop.p99)),
      dumpsTaken: runs.flatMap((x) => x.dumps),
    };
  }
  const f = (s, d = 2) => `${s.median.toFixed(d)} (${s.min.toFixed(d)}–${s.max.toFixed(d)})`;
  log();
  log(table([
    ['variant', 'idle CPU µs/s', 'extra vs off µs/s', 'idle p99 ms', 'loaded p50 ms', 'loaded p99 ms', 'Δ loaded p99 vs off ms', 'loaded max ms'],
    ...names.map((n) => {
      const v = perVariant[n];
      return [n, f(v.idleCpuUsPerSec, 0), n === 'off' ? '—' : f(v.idleCpuExtraUsPerSec, 0), f(v.idleP99Ms), f(v.loadedP50Ms), f(v.loadedP99Ms),
        n === 'off' ? '—' : f(v.loadedP99DeltaMs), f(v.loadedMaxMs, 1)];
    }),
  ]));
  for (const n of names) if (perVariant[n].dumpsTaken.length) log(`note: ${n} took dumps during runs: ${perVariant[n].dumpsTaken.join(' | ')}`);
  return { name: 'loop-delay', machine: machine(), quick, plan: p, variants: VARIANTS, perVariant, rounds };
}

await runMain(import.meta.url, main);
