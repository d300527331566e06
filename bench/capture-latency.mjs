// Question 3: how long from the start of a CPU spike to the start of the profile, and to the file being complete?
//
// In a child process (lib/capture-child.mjs) holmes-node watches with interval 1 s (500 ms with --quick) and window 1
// (shorter than the default 10 to keep trials fast: a trial must wait until the ring holds only idle readings again;
// the latency does not depend on the window once it does, since a spike reading >= min 10 % is far above
// 1.25 x an idle average),
// only the cpu rule on, default thresholds (min 10 %, diff 25 %, abs 70 %), a 200 ms profile, cooldown 1.5 intervals
// (a second guard: holmes-node no longer fires on a reading that overlaps a dump, and the tick after a dump, which
// still sees the spike's tail, does overlap it) and maxDumpsPerHour raised.
// Each trial waits until the ring holds only idle readings plus a random fraction of the interval, then starts a
// spike (back-to-back 10 ms slices of busy work; the loop keeps turning) and keeps it up until the dump event.
// Measured in the child: spike start (hrtime / wall clock), the rule firing (dump meta startTime, ms resolution),
// the profiler's own start (the profile's startTime, V8's monotonic µs clock, the same clock as hrtime) and the
// dump event (profile file and meta complete). Target: profile start at most one interval + 50 ms after the spike.
//
//   node bench/capture-latency.mjs [--quick] [--json out.json]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { prepareDist } from './lib/load.mjs';
import { log, machine, runMain } from './lib/cli.mjs';
import { makeTemp, removeTemp } from './lib/children.mjs';
import { distribution, table } from './lib/stats.mjs';

const CHILD = fileURLToPath(new URL('./lib/capture-child.mjs', import.meta.url));

/**
 * One trial as lib/capture-child.mjs reports it: the figures, or `error` (and the child's `logs`) when no dump came.
 * @typedef {object} Trial
 * @property {number} trial
 * @property {string} [error]
 * @property {string[]} [logs]
 * @property {number | null} phaseMs
 * @property {number} firedMs
 * @property {number | null} profileStartMs
 * @property {number} completeMs
 * @property {number} value
 * @property {string} trigger
 * @property {string} [profiler]
 * @property {number | null} samples
 * @property {boolean} dumpRunningAtSpike
 */
/** @typedef {{ done: true, strays: number, logs: string[] }} Final the child's last line */

/** @param {boolean} quick */
function plan(quick) {
  // --quick: a smoke run, 3 trials at a 500 ms interval
  return { trials: quick ? 3 : 20, interval: quick ? 500 : 1000, window: 1, profileDuration: 200, sliceMs: 10 };
}

/**
 * @param {ReturnType<typeof plan> & { dumpDir: string }} cfg
 * @param {number} timeoutMs
 * @returns {Promise<{ trials: Trial[], final: Final | undefined }>}
 */
function runChild(cfg, timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, JSON.stringify(cfg)], { stdio: ['ignore', 'pipe', 'pipe'] });
    /** @type {Trial[]} */
    const trials = [];
    /** @type {Final | undefined} */
    let final;
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      const lines = out.split('\n');
      out = /** @type {string} */ (lines.pop()); // split returns at least one element
      for (const line of lines) {
        const o = JSON.parse(line);
        if (o.done) final = o;
        else {
          trials.push(o);
          if (o.error) log(`  trial ${o.trial}: ${o.error}`);
          else
            log(
              `  trial ${o.trial + 1}: phase ${o.phaseMs?.toFixed(0)} ms after a tick; fired +${o.firedMs.toFixed(0)} ms (cpu ${o.value.toFixed(0)} %, ${o.trigger}), profile +${o.profileStartMs?.toFixed(0)} ms, complete +${o.completeMs.toFixed(0)} ms`,
            );
        }
      }
    });
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`capture child exited ${code ?? signal}\n${err}`));
      resolve({ trials, final });
    });
  });
}

/** @param {import('./lib/cli.mjs').Args} args */
export async function main({ quick }) {
  const p = plan(quick);
  prepareDist();
  const root = makeTemp('holmes-bench-capture-');
  log(
    `capture latency: ${p.trials} trials, interval ${p.interval} ms, window ${p.window}, profileDuration ${p.profileDuration} ms, spike in ${p.sliceMs} ms slices`,
  );
  let result;
  try {
    // a trial takes about (window + 2.5) intervals; one that never sees a dump gives up after 4 intervals + 5.2 s
    result = await runChild({ ...p, dumpDir: join(root, 'dumps') }, 30_000 + p.trials * (p.interval * (p.window + 7) + 6000));
  } finally {
    removeTemp(root);
  }
  const trials = result.trials.filter((t) => !t.error);
  const failed = result.trials.length - trials.length + (p.trials - result.trials.length);
  const fired = distribution(trials.map((t) => t.firedMs));
  const profileStart = distribution(trials.map((t) => t.profileStartMs).filter((v) => v !== null));
  const complete = distribution(trials.map((t) => t.completeMs));
  // a trial without a profile start (its profile was unreadable) has no fire-to-profile figure
  const fireToProfile = distribution(
    trials.map((t) => (t.profileStartMs === null ? Number.NaN : t.profileStartMs - t.firedMs)).filter((v) => Number.isFinite(v)),
  );
  const limitMs = p.interval + 50;
  const over = trials.filter((t) => (t.profileStartMs ?? t.firedMs) > limitMs);
  // a spike that begins in the last min% of an interval gives a first reading below min (10 %): seen a tick later
  const lateStart = trials.filter((t) => t.phaseMs !== null && t.phaseMs > p.interval * 0.9);

  log();
  log(
    table([
      ['from spike start to', 'median ms', 'min ms', 'p90 ms', 'max ms', 'n'],
      ['rule fired (meta startTime)', fired.p50.toFixed(0), fired.min.toFixed(0), fired.p90.toFixed(0), fired.max.toFixed(0), fired.n],
      [
        'profiler started (profile startTime)',
        profileStart.p50.toFixed(0),
        profileStart.min.toFixed(0),
        profileStart.p90.toFixed(0),
        profileStart.max.toFixed(0),
        profileStart.n,
      ],
      ['file + meta complete (dump event)', complete.p50.toFixed(0), complete.min.toFixed(0), complete.p90.toFixed(0), complete.max.toFixed(0), complete.n],
      [
        '(fired → profiler started)',
        fireToProfile.p50.toFixed(0),
        fireToProfile.min.toFixed(0),
        fireToProfile.p90.toFixed(0),
        fireToProfile.max.toFixed(0),
        fireToProfile.n,
      ],
    ]),
  );
  log(
    `target: profile start <= ${limitMs} ms: ${over.length === 0 ? 'met in every trial' : `NOT met in ${over.length} of ${trials.length} trials`}; ${lateStart.length} trial(s) began in the last 10 % of an interval`,
  );
  if (result.final?.strays) log(`note: ${result.final.strays} cpu dump(s) began outside a trial (an idle reading >= min 10 %) and were ignored`);
  if (result.final?.logs?.length) log(`child log: ${result.final.logs.join(' | ')}`);

  return {
    name: 'capture-latency',
    machine: machine(),
    quick,
    plan: p,
    firedMs: fired,
    profileStartMs: profileStart,
    completeMs: complete,
    fireToProfileMs: fireToProfile,
    failedTrials: failed,
    target: { limitMs, trialsOver: over.length, met: over.length === 0 && failed === 0 },
    trialsStartingInLast10PctOfInterval: lateStart.length,
    childLog: result.final?.logs ?? [],
    // cpu dumps that began outside a trial (before a spike: the idle process read >= min 10 %); never counted
    strayDumps: result.final?.strays ?? null,
    trialsWithDumpRunningAtSpike: trials.filter((t) => t.dumpRunningAtSpike).length,
    trials: result.trials,
  };
}

await runMain(import.meta.url, main);
