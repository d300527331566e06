// Renders the raw numbers of a results file as Markdown tables (for BENCHMARKS.md): a run of bench/run.mjs, or the
// --json output of one script run alone.
//   node bench/report.mjs [bench/results/latest.json]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// A results file is read loosely (an older run may lack a field or have others); its lists are typed, so that the
// callbacks over them are.
/** @typedef {Record<string, any>} Row one round, trial or run of a script */
/** @typedef {{ [key: string]: any, rounds: Row[], trials: Row[], runs: Row[], rss: { [key: string]: any, rounds: Row[] } }} ScriptResult */
/** @typedef {{ [key: string]: any, results: Record<string, ScriptResult>, scripts: Row[] }} Report */

const file = process.argv[2] ?? fileURLToPath(new URL('./results/latest.json', import.meta.url));
const parsed = JSON.parse(readFileSync(file, 'utf8'));
// one script's own result (node bench/<name>.mjs --json file) has no run header
const single = !parsed.results;
/** @type {Report} */
const report = single ? { results: { [parsed.name]: parsed } } : parsed;
/** @type {string[]} */
const out = [];
const say = (line = '') => out.push(line);
/** @param {unknown[][]} rows */
const md = (rows) => {
  say(`| ${rows[0].join(' | ')} |`);
  say(`|${rows[0].map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`);
  for (const r of rows.slice(1)) say(`| ${r.join(' | ')} |`);
  say();
};
/** @type {(x: unknown, d?: number) => string} */
const f = (x, d = 1) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : String(x));
/** @type {(ratio: number, d?: number) => string} */
const pct = (ratio, d = 1) => `${(ratio - 1) * 100 >= 0 ? '+' : ''}${((ratio - 1) * 100).toFixed(d)} %`;
/** Holmes options as given, without the temporary dumpDir, 1e9 written as such. */
/** @param {object} options */
const brief = (options) => JSON.stringify({ ...options, dumpDir: undefined }).replaceAll('1000000000', '1e9');
/** @type {(s: import('./lib/stats.mjs').Spread, g?: (x: number) => string) => string} */
const sp = (s, g = f) => `${g(s.median)} [${g(s.p25)} … ${g(s.p75)}] (${g(s.min)} … ${g(s.max)})`;

if (single) {
  const m = parsed.machine;
  say(`Script ${parsed.name} run alone${parsed.quick ? ' (quick)' : ''}; ${m.cpus} CPUs (${m.cpuModel}), Node ${m.node} (V8 ${m.v8}), ${m.platform}.`);
  say();
} else {
  say(
    `Run: ${report.date}, mode ${report.mode}, ${f(report.seconds, 0)} s; ${report.machine.nproc} cores (${report.machine.cpuModel}), ${report.machine.totalMemMb} MB RAM, Node ${report.machine.node} (V8 ${report.machine.v8}), ${report.machine.platform}; git ${report.git.commit?.slice(0, 12)} with ${report.git.srcChanges} uncommitted change(s) under src/; dist built ${report.dist.builtAt}.`,
  );
  say();
  md([
    ['script', 'ok', 'seconds', 'load average before → after'],
    ...report.scripts.map((s) => [s.name, s.ok ? 'yes' : `NO (${s.exit})`, f(s.seconds), `${f(s.loadAvgBefore, 2)} → ${f(s.loadAvgAfter, 2)}`]),
  ]);
}

const rc = report.results['reading-cost'];
if (rc) {
  say('### 1. Reading cost (raw)');
  say();
  say(
    rc.configs
      ? `Plan: ${JSON.stringify(rc.plan)}; calibration loop ${rc.calibSpins} iterations. Holmes options (the rest default): holmes \`${brief(rc.configs.holmes)}\`, holmes3 \`${brief(rc.configs.holmes3)}\`. Readings each recorded per series (warm-up, rounds and spaced): holmes ${JSON.stringify(rc.holmesSamples.holmes)}, holmes3 ${JSON.stringify(rc.holmesSamples.holmes3)}.`
      : `Plan: ${JSON.stringify(rc.plan)}; calibration loop ${rc.calibSpins} iterations; sources of the shipped sampler: ${JSON.stringify(rc.sources)}.`,
  );
  say();
  md([
    ['sampler', 'readings', 'min µs', 'p50 µs', 'p90 µs', 'p99 µs', 'p99.9 µs', 'max µs', 'mean µs', 'CPU µs/reading'],
    ...Object.entries(rc.variants).map(([n, v]) => [
      n,
      v.readings,
      f(v.min, 2),
      f(v.p50, 2),
      f(v.p90, 2),
      f(v.p99, 2),
      f(v.p999, 1),
      f(v.max, 0),
      f(v.mean, 2),
      f(v.cpuUsPerReading, 2),
    ]),
  ]);
  const names = Object.keys(rc.variants);
  md([
    ['round (order)', ...names.map((n) => `${n} p50 / p99 µs`)],
    ...rc.rounds.map((r, i) => [`${i + 1} (${r.order.join(' ')})`, ...names.map((n) => `${f(r[n].p50Us, 2)} / ${f(r[n].p99Us, 1)}`)]),
  ]);
  md([['per-round ratio', 'median [quartiles] (min … max)'], ...Object.entries(rc.ratios).map(([k, s]) => [k, sp(s, (x) => f(x, 2))])]);
  md([
    [
      'one reading per loop turn',
      'n',
      'floor p50 µs',
      'floor p99 µs',
      'floor max µs',
      'holmes p50 µs',
      'holmes p99 µs',
      'holmes max µs',
      'holmes readings with a loop-delay value',
    ],
    ...Object.entries(rc.spaced).map(([mode, s]) => [
      mode,
      s.holmes.n,
      f(s.floor.p50),
      f(s.floor.p99),
      f(s.floor.max),
      f(s.holmes.p50),
      f(s.holmes.p99),
      f(s.holmes.max),
      s.holmesSeriesRead?.eventLoop ?? '—',
    ]),
  ]);
  say(
    rc.configs
      ? `Timing overhead (two hrtime.bigint() calls, included in every sample): p50 ${f(rc.timerFloorNs.p50, 0)} ns. Events of the two Holmes instances (every rule evaluated, none can fire): holmes ${JSON.stringify(rc.rulesFired.holmes)}, holmes3 ${JSON.stringify(rc.rulesFired.holmes3)}; pidusage readings matching a default rule: ${rc.rulesFired.pidusage}.`
      : `Timing overhead (two hrtime.bigint() calls, included in every sample): p50 ${f(rc.timerFloorNs.p50, 0)} ns. Rules that passed every gate during the loop (dump counted, not taken): ${JSON.stringify(rc.rulesFired)}.`,
  );
  say();
}

const http = report.results['http-overhead'];
if (http) {
  say('### 2. HTTP overhead (raw)');
  say();
  say(
    `Plan: ${JSON.stringify(http.plan)}. Variants: ${Object.entries(http.variants)
      .map(([n, o]) => `\`${n}\` = ${o === null ? 'not started' : `\`${JSON.stringify(o)}\``}`)
      .join('; ')}.`,
  );
  say();
  const names = Object.keys(http.variants);
  md([
    ['round', ...names.map((n) => `${n} req/s · p99 ms · CPU µs/req`)],
    ...http.rounds.map((r, i) => [String(i + 1), ...names.map((n) => `${f(r[n].rps, 0)} · ${f(r[n].latencyP99Ms, 2)} · ${f(r[n].serverCpuUsPerRequest, 1)}`)]),
  ]);
  const threads = Object.values(http.perVariant).some((v) => v.threads);
  md([
    [
      'variant',
      'req/s median [quartiles] (min … max)',
      'Δ req/s vs off, per round',
      'p99 ms',
      'Δ p99 vs off',
      'CPU µs/req',
      'Δ CPU/req vs off',
      'dumps started',
      ...(threads ? ['threads', 'settle ms'] : []),
    ],
    ...names.map((n) => {
      const v = http.perVariant[n];
      return [
        n,
        sp(v.rps, (x) => f(x, 0)),
        n === 'off' ? '—' : sp(v.rpsRatio, pct),
        f(v.latencyP99Ms.median, 2),
        n === 'off' ? '—' : sp(v.p99Ratio, pct),
        f(v.serverCpuUsPerRequest.median, 1),
        n === 'off' ? '—' : sp(v.cpuPerRequestRatio, pct),
        v.dumpsTaken,
        ...(threads ? [v.threads ? `${f(v.threads.min, 0)}–${f(v.threads.max, 0)}` : '—', v.settleMs ?? '—'] : []),
      ];
    }),
  ]);
  if (http.perVariant.flightRecorder)
    say(
      `flightRecorder: the second recording fell back from v8-profiler-next to node:inspector (a warning logged) in ${http.perVariant.flightRecorder.profilerFallbacks} of ${http.rounds.length} runs.`,
    );
  if (http.perVariant.flightRecorder) say();
  say(
    `Noise: the baseline's req/s spread across rounds (max − min) / median = ${f(http.noise.baselineRpsSpreadPct)} %; A/A ratio interquartile half-width ${f(http.noise.aaHalfWidthPct)} %, min–max half-width ${f(http.noise.aaFullHalfWidthPct)} %.`,
  );
  say();
}

const cap = report.results['capture-latency'];
if (cap) {
  say('### 3. Capture latency (raw)');
  say();
  say(`Plan: ${JSON.stringify(cap.plan)}. Failed trials: ${cap.failedTrials}.`);
  say();
  md([
    ['trial', 'spike began, ms after a tick', 'rule fired, ms', 'profiler started, ms', 'file complete, ms', 'cpu reading %', 'trigger', 'profiler', 'samples'],
    ...cap.trials.map((t) =>
      t.error
        ? [t.trial + 1, t.error, '', '', '', '', '', '', '']
        : [t.trial + 1, f(t.phaseMs, 0), f(t.firedMs, 0), f(t.profileStartMs, 0), f(t.completeMs, 0), f(t.value, 0), t.trigger, t.profiler, t.samples],
    ),
  ]);
  md([
    ['from spike start to', 'min', 'p50', 'p90', 'max', 'n'],
    ...[
      ['rule fired', cap.firedMs],
      ['profiler started', cap.profileStartMs],
      ['file complete', cap.completeMs],
      ['(fired → profiler started)', cap.fireToProfileMs],
    ].map(([k, d]) => [k, f(d.min, 0), f(d.p50, 0), f(d.p90, 0), f(d.max, 0), d.n]),
  ]);
}

const loop = report.results['loop-delay'];
if (loop) {
  say('### 5. Event-loop delay and idle cost (raw)');
  say();
  say(`Plan: ${JSON.stringify(loop.plan)}.`);
  say();
  const names = Object.keys(loop.variants);
  md([
    ['round', ...names.map((n) => `${n}: idle CPU µs/s · idle p99 · loaded p99 ms`)],
    ...loop.rounds.map((r, i) => [
      String(i + 1),
      ...names.map((n) => `${f(r[n].idleCpuUsPerSec, 0)} · ${f(r[n].idleLoop.p99, 2)} · ${f(r[n].loadedLoop.p99, 2)}`),
    ]),
  ]);
  const extra = Boolean(loop.rss);
  md([
    [
      'variant',
      'idle CPU µs/s',
      'extra vs off µs/s',
      'idle p50 / p99 / max ms',
      'loaded p50 / p99 / max ms',
      'Δ loaded p99 vs off ms',
      'dumps',
      ...(extra ? ['idle window ms (after settle ms)', 'threads', 'loaded CPU µs/req', 'Δ loaded CPU/req vs off', 'warnings'] : []),
    ],
    ...names.map((n) => {
      const v = loop.perVariant[n];
      return [
        n,
        sp(v.idleCpuUsPerSec, (x) => f(x, 0)),
        n === 'off' ? '—' : sp(v.idleCpuExtraUsPerSec, (x) => f(x, 0)),
        `${f(v.idleP50Ms.median, 2)} / ${f(v.idleP99Ms.median, 2)} / ${f(v.idleMaxMs.median, 2)}`,
        `${f(v.loadedP50Ms.median, 2)} / ${f(v.loadedP99Ms.median, 2)} / ${f(v.loadedMaxMs.median, 2)}`,
        n === 'off' ? '—' : sp(v.loadedP99DeltaMs, (x) => f(x, 2)),
        v.dumpsTaken.length,
        ...(extra
          ? [
              `${v.idleCpuMs} (${v.settleMs})`,
              `${f(v.threads.min, 0)}–${f(v.threads.max, 0)}`,
              sp(v.loadedCpuUsPerRequest, (x) => f(x, 1)),
              n === 'off' ? '—' : sp(v.loadedCpuPerRequestRatio, pct),
              v.warnings.length,
            ]
          : []),
      ];
    }),
  ]);
  for (const n of names) {
    const rec = loop.perVariant[n].recorder;
    if (!rec) continue;
    say(
      `${n}, its 5 s idle window in two parts: steady sampling (no rotation, ${loop.plan.recorderIdleCpuMs - loop.plan.recorderRotationWindowMs} ms) ${sp(rec.steadyCpuUsPerSec, (x) => f(x, 0))} µs/s, i.e. ${sp(loop.perVariant[n].recorderSteadyExtraUsPerSec, (x) => f(x, 0))} µs/s above off; the ${f(rec.rotationWindowMs.median, 0)} ms around the rotation at 10 s: extra CPU ${sp(rec.rotationExtraCpuUs, (x) => f(x / 1000, 1))} ms.${rec.stallWindowMaxMs ? ` Around the rotation at 15 s (idle, 1 ms monitor on): max loop delay ${sp(rec.stallWindowMaxMs, (x) => f(x, 1))} ms.${rec.fallbackWarnings ? ` Fallbacks to node:inspector per run: ${sp(rec.fallbackWarnings, (x) => f(x, 0))}.` : ''}` : ''}`,
    );
    say();
    md([
      [
        'round',
        'steady CPU µs/s',
        'rotation window ms',
        'rotation window CPU ms',
        'rotation extra CPU ms',
        ...(rec.stallWindowMaxMs ? ['rotation at 15 s: window (ms after start)', 'loop delay p50 / p99 / max ms', 'window CPU ms'] : []),
      ],
      ...loop.rounds.map((r, i) => {
        const x = r[n].recorder;
        return [
          String(i + 1),
          f(x.steadyCpuUsPerSec, 0),
          f(x.rotationWindowMs, 0),
          f(x.rotationWindowCpuUs / 1000, 1),
          f(x.rotationExtraCpuUs / 1000, 1),
          ...(x.stallWindowLoop
            ? [
                `${f(x.stallWindowStartMs, 0)}–${f(x.stallWindowEndMs, 0)}`,
                `${f(x.stallWindowLoop.p50, 2)} / ${f(x.stallWindowLoop.p99, 2)} / ${f(x.stallWindowLoop.max, 1)}`,
                f(x.stallWindowCpuUs / 1000, 1),
              ]
            : []),
        ];
      }),
    ]);
  }
  if (extra) {
    const rn = Object.keys(loop.rss.perVariant);
    say(
      `RSS: ${loop.plan.rssRounds} round(s) × ${rn.length} fresh processes (node --expose-gc), ${loop.plan.rssWarmup} warm-up requests each, RSS read after a full GC before the variant started and ${loop.plan.rssWaitMs} ms after, polled every 500 ms in between (peak).`,
    );
    say();
    md([
      ['round', ...rn.map((n) => `${n}: RSS before → after MB (peak) · threads`)],
      ...loop.rss.rounds.map((r, i) => [
        String(i + 1),
        ...rn.map((n) => `${f(r[n].rssBeforeMb)} → ${f(r[n].rssAfterMb)} (${f(r[n].peakMb)}) · ${r[n].threadsBefore}→${r[n].threadsAfter}`),
      ]),
    ]);
    md([
      ['variant', 'RSS growth MB', 'RSS added vs off MB (after GC)', 'peak added vs off MB', 'threads added'],
      ...rn.map((n) => {
        const v = loop.rss.perVariant[n];
        return [n, sp(v.growthMb), n === 'off' ? '—' : sp(v.addedMb), n === 'off' ? '—' : sp(v.peakAddedMb), sp(v.threadsAdded, (x) => f(x, 0))];
      }),
    ]);
  }
}

const heap = report.results['heap-snapshot'];
if (heap) {
  say('### 4. Heap snapshots (raw)');
  say();
  md([
    [
      'heap',
      'writer',
      'records',
      'heap used MB',
      'nodes',
      'edges',
      'build s',
      'RSS before MB',
      'peak RSS MB',
      'peak − before MB',
      'pause s',
      'loop gap s',
      'file MB',
      'mode',
      'µs per node',
    ],
    ...heap.runs.map((r) => [
      `${r.targetMb} MB`,
      r.writer === 'v8' ? 'v8.writeHeapSnapshot' : 'heapdump',
      r.records,
      f(r.heapUsedMb),
      r.nodes,
      r.edges,
      f(r.buildMs / 1000),
      f(r.rssBeforeMb, 0),
      f(r.peakRssMb, 0),
      f(r.peakAboveBeforeMb, 0),
      f(r.pauseMs / 1000, 2),
      f(r.loopGapMs / 1000, 2),
      f(r.fileMb, 0),
      r.fileMode,
      f((r.pauseMs * 1000) / r.nodes, 1),
    ]),
  ]);
  if (heap.fullDisk && Object.keys(heap.fullDisk).length) {
    md([
      ['writer → /dev/full (every write fails with ENOSPC)', 'reported', 'pause ms'],
      ...Object.entries(heap.fullDisk).map(([w, r]) => [
        w === 'v8' ? 'v8.writeHeapSnapshot' : 'heapdump',
        r.reportedSuccess ? '**success**' : `error: ${r.error}`,
        f(r.pauseMs, 0),
      ]),
    ]);
  }
}

process.stdout.write(`${out.join('\n')}\n`);
