// The benchmark runner: `npm run bench` (full, about 25 minutes on 2 cores, 14 of them ready-cost's fresh processes) or `npm run bench -- --quick`
// (a smoke run, under a minute). Runs each question's script in its own process, one after the other, prints a
// summary table and writes every result to bench/results/latest.json.
//   node bench/run.mjs [--quick] [--only reading-cost,http-overhead,…] [--build]
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { log, machine, parseArgs } from './lib/cli.mjs';
import { ROOT, ensureDist, prepareDist } from './lib/load.mjs';
import { roundAll, table } from './lib/stats.mjs';

const SCRIPTS = ['reading-cost', 'http-overhead', 'capture-latency', 'loop-delay', 'heap-snapshot', 'heap-sampler-cost', 'ready-cost'];
const RESULTS = join(ROOT, 'bench', 'results', 'latest.json');

/** @param {string[]} args */
function git(args) {
  const r = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/**
 * @typedef {object} ScriptRun
 * @property {string} name
 * @property {boolean} ok
 * @property {number | string | null} exit the exit code, else the signal
 * @property {number} seconds
 * @property {number} loadAvgBefore
 * @property {number} loadAvgAfter
 * @property {any} result the script's --json output (null when it failed)
 */

/**
 * @param {string} name
 * @param {boolean} quick
 * @returns {Promise<ScriptRun>}
 */
function runScript(name, quick) {
  const out = join(tmpdir(), `holmes-bench-${process.pid}-${name}.json`);
  const args = [fileURLToPath(new URL(`./${name}.mjs`, import.meta.url)), '--json', out];
  if (quick) args.push('--quick');
  const started = performance.now();
  const load1 = loadavg()[0];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'], env: process.env });
    const kill = () => child.kill('SIGKILL');
    process.once('exit', kill);
    child.on('exit', (code, signal) => {
      process.off('exit', kill);
      let result = null;
      try {
        result = JSON.parse(readFileSync(out, 'utf8'));
      } catch {
        result = null;
      }
      rmSync(out, { force: true });
      resolve({
        name,
        ok: code === 0 && result !== null,
        exit: code ?? signal,
        seconds: (performance.now() - started) / 1000,
        loadAvgBefore: load1,
        loadAvgAfter: loadavg()[0],
        result,
      });
    });
  });
}

/** @param {number} ratio */
const pct = (ratio) => `${(ratio - 1) * 100 >= 0 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)} %`;
/** @type {(s: import('./lib/stats.mjs').Spread, f: (x: number) => string) => string} */
const range = (s, f) => `${f(s.median)} [${f(s.p25)} … ${f(s.p75)}] (${f(s.min)} … ${f(s.max)})`;

/**
 * The summary table; `byName` holds each script's result, as the scripts write it (--json), by script name.
 * @param {Record<string, any>} byName
 */
function summarize(byName) {
  const rows = [['question', 'figure', 'value', 'target', 'verdict']];
  const rc = byName['reading-cost'];
  if (rc) {
    const v = rc.variants;
    rows.push(['1 reading cost', 'p50 / p99 per reading, tight loop: floor', `${v.floor.p50.toFixed(1)} / ${v.floor.p99.toFixed(1)} µs`, '', '']);
    rows.push([
      '',
      '  holmes (as shipped, all default series)',
      `${v.holmes.p50.toFixed(1)} / ${v.holmes.p99.toFixed(1)} µs`,
      'p99 < 50 µs',
      v.holmes.p99 < 50 ? 'met' : 'NOT met',
    ]);
    rows.push(['', '  holmes, cpu/memory/handles rules only', `${v.holmes3.p50.toFixed(1)} / ${v.holmes3.p99.toFixed(1)} µs`, '', '']);
    rows.push(['', '  pidusage', `${v.pidusage.p50.toFixed(0)} / ${v.pidusage.p99.toFixed(0)} µs`, '', '']);
    rows.push(['', '  calibration (pure JS, as long as the floor)', `${v.calib.p50.toFixed(1)} / ${v.calib.p99.toFixed(1)} µs`, '', '']);
    const pr = rc.perRoundP99;
    rows.push([
      '',
      'p99 per round, median of rounds: floor / holmes / calib',
      `${pr.floor.median.toFixed(1)} / ${pr.holmes.median.toFixed(1)} / ${pr.calib.median.toFixed(1)} µs`,
      'p99 < 50 µs',
      pr.holmes.median < 50 ? 'met' : 'NOT met',
    ]);
    const r = rc.ratios.holmesOverFloorP50;
    rows.push([
      '',
      'holmes / floor p50, per round',
      `${r.median.toFixed(2)} (${r.min.toFixed(2)}–${r.max.toFixed(2)})`,
      '<= 2x',
      r.median <= 2 ? 'met' : 'NOT met',
    ]);
    const sb = rc.spaced.busy;
    const ratioSpaced = sb.holmes.p50 / sb.floor.p50;
    rows.push([
      '',
      'one reading per loop turn (busy): floor / holmes p50',
      `${sb.floor.p50.toFixed(0)} / ${sb.holmes.p50.toFixed(0)} µs (${ratioSpaced.toFixed(2)}x)`,
      '<= 2x',
      ratioSpaced <= 2 ? 'met' : 'NOT met',
    ]);
  }
  const http = byName['http-overhead'];
  if (http) {
    const pv = http.perVariant;
    rows.push([
      '2 http overhead',
      'off: req/s, p99 (median of rounds)',
      `${pv.off.rps.median.toFixed(0)}/s, ${pv.off.latencyP99Ms.median.toFixed(2)} ms`,
      '',
      '',
    ]);
    rows.push(['', 'noise: A/A req/s ratio (off-again / off), median [quartiles] (min … max)', range(http.noise.aaRpsRatio, pct), '', '']);
    for (const name of ['armed-5s', 'armed-100ms', 'profiling', 'trackStacks', 'flightRecorder', 'watchdog'].filter((n) => pv[n])) {
      const target = name === 'armed-5s' ? '< 0.5 %' : name === 'armed-100ms' ? '< 2 %' : '';
      let verdict = '';
      if (name === 'armed-5s') verdict = http.targets.armed5sIndistinguishable.withinNoise ? 'within noise' : 'outside noise';
      if (name === 'armed-100ms') verdict = http.targets.armed100msUnder2pct.met ? 'met (median)' : 'NOT met (median)';
      rows.push([
        '',
        `${name}: Δ req/s | Δ CPU/request vs off`,
        `${range(pv[name].rpsRatio, pct)} | ${pct(pv[name].cpuPerRequestRatio.median)}`,
        target,
        verdict,
      ]);
    }
    if (rc) {
      const tick = rc.spaced.busy.holmes.p50;
      rows.push([
        '',
        'sampler ticks alone: tick p50 (per loop turn) x ticks/s',
        `5 s: ${((tick * 0.2) / 1e4).toFixed(4)} %, 100 ms: ${((tick * 10) / 1e4).toFixed(3)} % of a core`,
        '',
        '',
      ]);
    }
  }
  const cap = byName['capture-latency'];
  if (cap) {
    rows.push([
      '3 capture latency',
      `spike → rule fired (n=${cap.firedMs.n})`,
      `median ${cap.firedMs.p50.toFixed(0)} ms, max ${cap.firedMs.max.toFixed(0)} ms`,
      '',
      '',
    ]);
    rows.push([
      '',
      'spike → profiler started',
      `median ${cap.profileStartMs.p50.toFixed(0)} ms, max ${cap.profileStartMs.max.toFixed(0)} ms`,
      `<= ${cap.target.limitMs} ms`,
      cap.target.met ? 'met' : `NOT met (${cap.target.trialsOver} of ${cap.profileStartMs.n})`,
    ]);
    rows.push(['', 'rule fired → profiler started', `median ${cap.fireToProfileMs.p50.toFixed(0)} ms, max ${cap.fireToProfileMs.max.toFixed(0)} ms`, '', '']);
    rows.push(['', 'spike → file complete (200 ms profile)', `median ${cap.completeMs.p50.toFixed(0)} ms, max ${cap.completeMs.max.toFixed(0)} ms`, '', '']);
  }
  const loop = byName['loop-delay'];
  if (loop) {
    const pv = loop.perVariant;
    rows.push([
      '5 loop delay',
      'loaded p99: off / armed-100ms',
      `${pv.off.loadedP99Ms.median.toFixed(2)} / ${pv['armed-100ms'].loadedP99Ms.median.toFixed(2)} ms`,
      '',
      '',
    ]);
    rows.push(['', 'idle p99: off / armed-100ms', `${pv.off.idleP99Ms.median.toFixed(2)} / ${pv['armed-100ms'].idleP99Ms.median.toFixed(2)} ms`, '', '']);
    for (const name of ['armed-5s', 'armed-5s-noEventLoop', 'armed-5s-noHeapSampler', 'armed-100ms', 'flightRecorder', 'watchdog'].filter((n) => pv[n])) {
      const rss = loop.rss?.perVariant[name];
      rows.push([
        '',
        `idle CPU added${rss ? ' | RSS added' : ''}: ${name}`,
        `${pv[name].idleCpuExtraUsPerSec.median.toFixed(0)} µs/s (${(pv[name].idleCpuExtraUsPerSec.median / 1e4).toFixed(3)} % of a core)${rss ? ` | ${rss.addedMb.median.toFixed(1)} MB (${rss.addedMb.min.toFixed(1)} … ${rss.addedMb.max.toFixed(1)})` : ''}`,
        '',
        '',
      ]);
    }
  }
  const sampler = byName['heap-sampler-cost'];
  if (sampler) {
    const idle = sampler.idle.extraCpuPercentOfCore;
    rows.push([
      '6 heap profiler',
      'idle CPU added, always-on sampling heap profiler (512 KiB)',
      `${sampler.idle.extraCpuUsPer5s.median.toFixed(0)} µs per 5 s (${idle.median.toFixed(3)} % of a core; pairs ${idle.min.toFixed(3)} … ${idle.max.toFixed(3)})`,
      '<= 0.1 % of a core',
      idle.median <= 0.1 ? 'ok' : 'OVER',
    ]);
  }
  const heap = byName['heap-snapshot'];
  if (heap) {
    for (const s of heap.summary) {
      rows.push([
        s === heap.summary[0] ? '4 heap snapshot' : '',
        `${s.targetMb} MB, ${s.writer === 'v8' ? 'v8.writeHeapSnapshot' : 'heapdump'}`,
        `pause ${(s.pauseMs / 1000).toFixed(1)} s, peak RSS ${s.peakRssMb.toFixed(0)} MB (+${s.peakAboveBeforeMb.toFixed(0)}), file ${s.fileMb.toFixed(0)} MB ${s.fileMode}`,
        '',
        '',
      ]);
    }
  }
  const ready = byName['ready-cost'];
  if (ready) {
    const extra = ready.eager.idleExtraUsPerSec5s.median / 10_000;
    rows.push([
      '6 ready to profile',
      'eager profiler, idle at 5 s (eager - late)',
      `${extra.toFixed(3)} % of a core`,
      '<= 0.1 %',
      extra <= 0.1 ? 'met' : 'NOT met',
    ]);
    rows.push(['', '  its RSS', `+${ready.eager.rssExtraMB.median.toFixed(1)} MB`, '', '']);
  }
  return table(rows, { left: true });
}

async function main() {
  const args = parseArgs();
  const t0 = performance.now();
  if (args.build) ensureDist({ force: true });
  const dist = prepareDist();
  const scripts = args.only ?? SCRIPTS;
  for (const name of scripts) if (!SCRIPTS.includes(name)) throw new Error(`unknown script ${name}; known: ${SCRIPTS.join(', ')}`);
  log(`holmes-node benchmarks (${args.quick ? 'quick' : 'full'}): ${scripts.join(', ')}; dist copied to ${dist}`);
  const runs = [];
  for (const name of scripts) {
    log(`\n=== ${name} ===`);
    const run = await runScript(name, args.quick);
    runs.push(run);
    log(
      `--- ${name}: ${run.ok ? 'done' : `FAILED (exit ${run.exit})`} in ${run.seconds.toFixed(1)} s (load average ${run.loadAvgBefore.toFixed(2)} → ${run.loadAvgAfter.toFixed(2)})`,
    );
  }
  const byName = Object.fromEntries(runs.filter((r) => r.ok).map((r) => [r.name, r.result]));
  const seconds = (performance.now() - t0) / 1000;
  const report = {
    date: new Date().toISOString(),
    mode: args.quick ? 'quick' : 'full',
    seconds,
    machine: { ...machine(), totalMemMb: Math.round(totalmem() / 2 ** 20), nproc: Number(spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()) || null },
    git: { commit: git(['rev-parse', 'HEAD']), srcChanges: (git(['status', '--porcelain', 'src']) ?? '').split('\n').filter(Boolean).length },
    dist: { copiedFrom: join(ROOT, 'dist'), builtAt: process.env.HOLMES_BENCH_DIST_MTIME ?? null },
    scripts: runs.map(({ name, ok, exit, seconds: s, loadAvgBefore, loadAvgAfter }) => ({ name, ok, exit, seconds: s, loadAvgBefore, loadAvgAfter })),
    results: byName,
  };
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(roundAll(report, 4), null, 2)}\n`);
  log(`\n=== summary (${report.mode}, ${seconds.toFixed(0)} s, ${report.machine.nproc} cores, Node ${process.version}) ===`);
  log(summarize(byName));
  log(`\nresults: ${RESULTS}`);
  const failed = runs.filter((r) => !r.ok);
  if (failed.length) {
    log(`FAILED: ${failed.map((r) => r.name).join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((/** @type {any} */ error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exitCode = 1;
});
