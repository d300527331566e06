// Question 1: what does one reading of all series cost?
//
// Three samplers, each taking one reading of cpu, memory and handles per call, timed one call at a time
// with process.hrtime.bigint():
//   floor     process.cpuUsage() + process.memoryUsage.rss() + process.getActiveResourcesInfo() and nothing else
//   holmes    holmes-node's Sampler.tick() as shipped, every default: the readers, sources and rule evaluation
//             wired as in holmes.ts (mirrored by bench/lib/internals.ts: CpuSource.read, MemorySource.read,
//             countActiveResources, the loop-delay histogram, heapUsedPercent, the GC share), its ring pushes,
//             and `decide` plus the gates for every rule like Holmes#evaluate; no dump is ever taken
//   holmes3   the same with only the cpu, memory and handles rules enabled (the original three series; the
//             loop-delay and GC sources are then off, the heap reading is still taken)
//   pidusage  the same rings and rule evaluation fed by `await pidusage(process.pid)` (cpu %, rss) plus the
//             handle count: a sampler built on the design card's package
//   calib     plain JavaScript arithmetic calibrated to take as long as the floor's median: no system call, no
//             allocation. Its tail shows what this shared machine alone does to a ~10 µs piece of work
//             (preemption, steal, interrupts), so the samplers' p99 can be read against it.
// Also: shipped ticks one per event-loop turn (21 ms apart), where the loop-delay histogram has data and caches
// are cold, as in a real service. The samplers run in alternating blocks (A B C, B C A, C A B…), so drift of this shared machine hits all of them;
// ratios are taken per round against the floor measured in the same round.
//
//   node bench/reading-cost.mjs [--quick] [--json out.json]
import pidusage from 'pidusage';
import { loadInternals } from './lib/load.mjs';
import { log, machine, runMain } from './lib/cli.mjs';
import { distribution, percentile, rotate, spread, table } from './lib/stats.mjs';

function plan(quick) {
  return quick
    ? { rounds: 3, syncPerRound: 10_000, asyncPerRound: 300, warmSync: 10_000, warmAsync: 200, spaced: 20 }
    : { rounds: 10, syncPerRound: 20_000, asyncPerRound: 2_500, warmSync: 50_000, warmAsync: 1_000, spaced: 100 };
}

/** Builds the three samplers. Each returns the value it read, so nothing can be optimised away. */
function samplers(I) {
  const limits = I.detectLimits({});
  const config = { cpu: { ...I.DEFAULTS.cpu }, memory: { ...I.DEFAULTS.memory }, handles: { ...I.DEFAULTS.handles } };
  const cooldown = I.DEFAULTS.cooldown;
  const RULES = ['cpu', 'memory', 'handles'];

  /** Holmes#evaluate for the three rules, minus starting a dump (counted instead): for the pidusage sampler. */
  function makeEvaluator() {
    const states = { cpu: new I.RuleState(), memory: new I.RuleState(), handles: new I.RuleState() };
    const evaluator = {
      fired: 0,
      onReadings(readings) {
        const now = Date.now();
        for (const rule of RULES) {
          const reading = readings[rule];
          if (!reading) continue;
          const c = config[rule];
          const trigger = I.decide(reading.value, reading.average, reading.warm, c);
          if (!trigger || states[rule].gate(now, c.enabled)) continue;
          evaluator.fired++;
          states[rule].coolDown(now, c.cooldown ?? cooldown);
        }
      },
      onError(error) {
        throw error;
      },
    };
    return evaluator;
  }

  // holmes-node as shipped: the real Sampler with the readers, sources and rule evaluation of holmes.ts
  // (bench/lib/internals.ts mirrors the wiring), with every default: all series on
  const shipped = I.shippedSampler({});
  // the same with only the cpu, memory and handles rules enabled: the loop-delay histogram and GC observer are off
  // (their readers return NaN and are skipped); the heap reading is still taken
  const three = I.shippedSampler({ eventLoop: false, heap: false, gc: false });

  // pidusage: same rings and evaluation, readings from pidusage
  const pidEval = makeEvaluator();
  const rings = { cpu: new I.Ring(I.DEFAULTS.window), memory: new I.Ring(I.DEFAULTS.window), handles: new I.Ring(I.DEFAULTS.window) };
  const scale = limits.cpuCores === null ? 1 : Math.min(1, limits.cpuCores);
  async function pidusageTick() {
    const stat = await pidusage(process.pid);
    const values = {
      cpu: stat.cpu / scale,
      memory: (100 * stat.memory) / limits.memoryBytes,
      handles: process.getActiveResourcesInfo().length,
    };
    const readings = {};
    for (const name of RULES) {
      const ring = rings[name];
      readings[name] = { value: values[name], average: ring.average(), warm: ring.full };
      ring.push(values[name]);
    }
    pidEval.onReadings(readings);
    return values.cpu;
  }

  let sink = 0;
  let spins = 1000;
  function spin() {
    let x = 0;
    for (let i = 0; i < spins; i++) x += Math.sqrt(i);
    sink += x;
  }
  return {
    /** Sets the calibration loop so its median matches `targetUs`. */
    calibrate(targetUs) {
      for (let attempt = 0; attempt < 4; attempt++) {
        const out = new Float64Array(5000);
        measureSync(spin, out.length, out);
        const p50 = percentile(out, 50) / 1000;
        spins = Math.max(10, Math.round(spins * (targetUs / p50)));
      }
      return spins;
    },
    limits,
    fired: () => ({ holmes: shipped.fired, holmes3: three.fired, pidusage: pidEval.fired }),
    sources: { holmes: shipped.sources, holmes3: three.sources },
    stop() {
      shipped.stop();
      three.stop();
    },
    /**
     * One reading per event-loop turn, as in a real service: between two readings the process either sleeps
     * (`idle`) or runs JavaScript in 1 ms slices (`busy`) for 21 ms, so the loop-delay histogram has data and
     * caches are as a service leaves them. floor and holmes alternate turn by turn.
     */
    async spaced(n, mode) {
      const out = { floor: new Float64Array(n), holmes: new Float64Array(n) };
      const gap = () => new Promise((resolve) => {
        if (mode === 'idle') return void setTimeout(resolve, 21);
        const end = performance.now() + 21;
        (function slice() {
          const until = Math.min(end, performance.now() + 1);
          let x = 0;
          while (performance.now() < until) x += Math.sqrt(x + 1);
          sink += x;
          if (performance.now() >= end) resolve();
          else setImmediate(slice);
        })();
      });
      const fns = { floor: this.variants.floor.fn, holmes: this.variants.holmes.fn };
      for (let i = 0; i < n; i++) {
        for (const name of i % 2 ? ['holmes', 'floor'] : ['floor', 'holmes']) {
          await gap();
          const t0 = process.hrtime.bigint();
          fns[name]();
          out[name][i] = Number(process.hrtime.bigint() - t0);
        }
      }
      return out;
    },
    variants: {
      floor: { sync: true, fn: () => { process.cpuUsage(); sink += process.memoryUsage.rss(); sink += process.getActiveResourcesInfo().length; } },
      holmes: { sync: true, fn: () => { shipped.sampler.tick(); } },
      holmes3: { sync: true, fn: () => { three.sampler.tick(); } },
      pidusage: { sync: false, fn: pidusageTick },
      calib: { sync: true, fn: spin },
    },
  };
}

function measureSync(fn, n, out) {
  const cpu0 = process.cpuUsage();
  const w0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    out[i] = Number(process.hrtime.bigint() - t0);
  }
  const wall = Number(process.hrtime.bigint() - w0);
  const cpu = process.cpuUsage(cpu0);
  return { wallNs: wall, cpuUs: cpu.user + cpu.system };
}

async function measureAsync(fn, n, out) {
  const cpu0 = process.cpuUsage();
  const w0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    out[i] = Number(process.hrtime.bigint() - t0);
  }
  const wall = Number(process.hrtime.bigint() - w0);
  const cpu = process.cpuUsage(cpu0);
  return { wallNs: wall, cpuUs: cpu.user + cpu.system };
}

/** The cost of the timing itself: two hrtime.bigint() calls around nothing. */
function timerFloor(n) {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    out[i] = Number(process.hrtime.bigint() - t0);
  }
  return distribution(out);
}

export async function main({ quick }) {
  const p = plan(quick);
  const I = await loadInternals();
  const s = samplers(I);
  const names = ['floor', 'holmes', 'holmes3', 'pidusage', 'calib'];
  const counts = (name) => (s.variants[name].sync ? p.syncPerRound : p.asyncPerRound);

  log(`reading cost: ${p.rounds} alternating rounds; per round ${p.syncPerRound} readings of floor and holmes, ${p.asyncPerRound} of pidusage`);
  // warm up: JIT, pidusage's one-time getconf, page cache of /proc files
  await measureAsync(s.variants.pidusage.fn, p.warmAsync, new Float64Array(p.warmAsync));
  measureSync(s.variants.floor.fn, p.warmSync, new Float64Array(p.warmSync));
  measureSync(s.variants.holmes.fn, p.warmSync, new Float64Array(p.warmSync));
  measureSync(s.variants.holmes3.fn, p.warmSync, new Float64Array(p.warmSync));
  const floorWarm = new Float64Array(p.warmSync);
  measureSync(s.variants.floor.fn, p.warmSync, floorWarm);
  const spins = s.calibrate(percentile(floorWarm, 50) / 1000);

  const all = Object.fromEntries(names.map((n) => [n, { samples: new Float64Array(counts(n) * p.rounds), filled: 0, wallNs: 0, cpuUs: 0 }]));
  const rounds = [];
  for (let r = 0; r < p.rounds; r++) {
    const round = { order: rotate(names, r) };
    for (const name of round.order) {
      const v = s.variants[name];
      const n = counts(name);
      const out = new Float64Array(n);
      const t = v.sync ? measureSync(v.fn, n, out) : await measureAsync(v.fn, n, out);
      const acc = all[name];
      acc.samples.set(out, acc.filled);
      acc.filled += n;
      acc.wallNs += t.wallNs;
      acc.cpuUs += t.cpuUs;
      out.sort();
      round[name] = { p50Us: percentile(out, 50) / 1000, p99Us: percentile(out, 99) / 1000, cpuUsPerReading: t.cpuUs / n };
    }
    rounds.push(round);
    log(`  round ${r + 1}/${p.rounds} (${round.order.join(' ')}): p50 floor ${round.floor.p50Us.toFixed(2)} µs, holmes ${round.holmes.p50Us.toFixed(2)} µs, holmes3 ${round.holmes3.p50Us.toFixed(2)} µs, pidusage ${round.pidusage.p50Us.toFixed(1)} µs, calib ${round.calib.p50Us.toFixed(2)} µs`);
    // let pending I/O and timers run between rounds
    await new Promise((resolve) => setImmediate(resolve));
  }
  pidusage.clear();
  const spaced = {};
  for (const mode of ['busy', 'idle']) {
    log(`  spaced (${mode}): ${p.spaced} readings each of floor and holmes, one per event-loop turn 21 ms apart…`);
    const out = await s.spaced(p.spaced, mode);
    spaced[mode] = {
      floor: distribution(out.floor.map((ns) => ns / 1000)),
      holmes: distribution(out.holmes.map((ns) => ns / 1000)),
    };
  }
  s.stop();

  const perVariant = {};
  for (const name of names) {
    const acc = all[name];
    const d = distribution(acc.samples.map((ns) => ns / 1000));
    perVariant[name] = { readings: acc.filled, ...d, cpuUsPerReading: acc.cpuUs / acc.filled, wallUsPerReading: acc.wallNs / 1000 / acc.filled };
  }
  const ratio = (a, b, key) => spread(rounds.map((r) => r[a][key] / r[b][key]));
  const ratios = {
    holmesOverFloorP50: ratio('holmes', 'floor', 'p50Us'),
    holmesOverFloorP99: ratio('holmes', 'floor', 'p99Us'),
    holmesOverFloorCpu: ratio('holmes', 'floor', 'cpuUsPerReading'),
    holmes3OverFloorP50: ratio('holmes3', 'floor', 'p50Us'),
    holmes3OverFloorP99: ratio('holmes3', 'floor', 'p99Us'),
    pidusageOverFloorP50: ratio('pidusage', 'floor', 'p50Us'),
    pidusageOverHolmesP50: ratio('pidusage', 'holmes', 'p50Us'),
    holmesOverCalibP99: ratio('holmes', 'calib', 'p99Us'),
    floorOverCalibP99: ratio('floor', 'calib', 'p99Us'),
  };
  const perRoundP99 = Object.fromEntries(names.map((n) => [n, spread(rounds.map((r) => r[n].p99Us))]));
  const holmes = perVariant.holmes;
  const targets = {
    holmesWithin2xOfFloor: { target: 'holmes p50 <= 2 x floor p50 (median of per-round ratios)', value: ratios.holmesOverFloorP50.median, met: ratios.holmesOverFloorP50.median <= 2 },
    holmesP99Under50us: { target: 'holmes p99 < 50 µs', value: holmes.p99, met: holmes.p99 < 50 },
  };
  const timer = timerFloor(100_000);

  log();
  log(table([
    ['sampler', 'readings', 'p50 µs', 'p99 µs', 'p99.9 µs', 'max µs', 'mean µs', 'CPU µs/reading'],
    ...names.map((n) => {
      const v = perVariant[n];
      return [n, v.readings, v.p50.toFixed(2), v.p99.toFixed(2), v.p999.toFixed(1), v.max.toFixed(0), v.mean.toFixed(2), v.cpuUsPerReading.toFixed(2)];
    }),
  ]));
  log(`per-round ratio holmes/floor p50: median ${ratios.holmesOverFloorP50.median.toFixed(2)} (${ratios.holmesOverFloorP50.min.toFixed(2)}–${ratios.holmesOverFloorP50.max.toFixed(2)}); p99: ${ratios.holmesOverFloorP99.median.toFixed(2)} (${ratios.holmesOverFloorP99.min.toFixed(2)}–${ratios.holmesOverFloorP99.max.toFixed(2)})`);
  log(`per-round ratio pidusage/floor p50: median ${ratios.pidusageOverFloorP50.median.toFixed(1)} (${ratios.pidusageOverFloorP50.min.toFixed(1)}–${ratios.pidusageOverFloorP50.max.toFixed(1)})`);
  log(`per-round p99 (median, min–max): ${names.map((n) => `${n} ${perRoundP99[n].median.toFixed(1)} (${perRoundP99[n].min.toFixed(1)}–${perRoundP99[n].max.toFixed(1)})`).join('; ')} µs`);
  for (const mode of ['busy', 'idle']) {
    const { floor, holmes } = spaced[mode];
    log(`one reading per loop turn, ${mode} between: floor p50 ${floor.p50.toFixed(1)} µs p99 ${floor.p99.toFixed(1)} µs; holmes p50 ${holmes.p50.toFixed(1)} µs p99 ${holmes.p99.toFixed(1)} µs (n=${holmes.n} each)`);
  }
  log(`timing floor (two hrtime.bigint() calls): p50 ${(timer.p50 / 1000).toFixed(3)} µs — included in every sample above`);
  log(`targets (tight loop, the brief's method): holmes within 2x of floor: ${targets.holmesWithin2xOfFloor.met ? 'met' : 'NOT met'}; holmes p99 < 50 µs: ${targets.holmesP99Under50us.met ? 'met' : 'NOT met'}`);

  return {
    name: 'reading-cost',
    machine: machine(),
    quick,
    plan: p,
    limits: s.limits,
    variants: perVariant,
    ratios,
    perRoundP99,
    spaced,
    sources: s.sources,
    calibSpins: spins,
    rounds,
    timerFloorNs: timer,
    rulesFired: s.fired(),
    targets,
  };
}

await runMain(import.meta.url, main);
