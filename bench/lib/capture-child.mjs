// Capture latency, measured inside the watched process: a CPU spike starts at a random moment of the sampling
// interval; we record when it started, when holmes-node's cpu rule fired (the dump meta's startTime), when the
// profiler actually started (the profile's own startTime, V8's monotonic clock in µs) and when the dump event
// said the file and its meta were complete.
//   node capture-child.mjs '{"trials":20,"interval":1000,"window":3,"profileDuration":200,"sliceMs":10,"dumpDir":"…"}'
// Prints one JSON line per trial and a final {"done":true} line on stdout.
import { readFileSync, rmSync } from 'node:fs';
import { distUrl } from './load.mjs';

const cfg = JSON.parse(process.argv[2]);
/** @type {typeof import('../../src/index.js')} the built dist/, whose source is src/ */
const { Holmes, RULE_NAMES } = await import(distUrl());
/** @param {unknown} o */
const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** @type {string[]} */
const logs = [];
// only the cpu rule, with its default thresholds (min 10, diff 25, abs 70); every other rule off, so nothing else
// can fire (holmes' own dump stalls can fire the eventLoop rule otherwise) and hold the one-dump-at-a-time guard
// cooldown 1.5 intervals: the tick right after a trial's dump still sees the spike's tail and must not fire again
// (holmes-node itself now ignores readings that overlap a dump; the cooldown stays as a second guard);
// the next trial starts at least two intervals after the dump. maxDumpsPerHour (where the option exists) is
// raised so 20+ trials in a few minutes are not cut off by the default ceiling of 20.
const others = Object.fromEntries(RULE_NAMES.filter((rule) => rule !== 'cpu').map((rule) => [rule, false]));
// Dumps are tracked from holmes' own log lines ('taking a cpu dump' when the rule fires) and dump events, so a trial
// starts only when no dump is running, and a dump that began before the spike (a false start on an idle but
// noisy machine) is never taken for the trial's.
let running = false;
let strays = 0;
const options = {
  ...others,
  dumpDir: cfg.dumpDir,
  interval: cfg.interval,
  window: cfg.window,
  cooldown: Math.round(cfg.interval * 1.5),
  cpu: { profileDuration: cfg.profileDuration },
  logger: {
    info: (/** @type {string} */ m) => {
      if (/taking a cpu dump/.test(m)) running = true;
    },
    warn: (/** @type {string} */ m) => logs.push(m),
    error: (/** @type {string} */ m) => logs.push(m),
  },
};
let holmes;
try {
  holmes = new Holmes({ ...options, maxDumpsPerHour: 1000 });
} catch {
  holmes = new Holmes(options);
}
holmes.on('error', (e) => {
  running = false;
  logs.push(e.message);
});
holmes.on('skip', (e) => logs.push(`skip ${e.kind}: ${e.reason}`));
/** @typedef {{ event: import('../../src/index.js').DumpEvent, ns: bigint, profileStartUs: number | null, samples: number | null }} Caught */
/** @type {{ spikeWallMs: number, resolve: (caught: Caught) => void } | null} */
let waiting = null;
holmes.on('dump', (event) => {
  const ns = process.hrtime.bigint();
  running = false;
  if (waiting && Date.parse(event.meta.startTime) >= Math.floor(waiting.spikeWallMs)) {
    // V8's profile times are µs on the monotonic clock that process.hrtime uses too
    let profileStartUs = null;
    let samples = null;
    try {
      const profile = JSON.parse(readFileSync(event.file, 'utf8'));
      profileStartUs = profile.startTime;
      samples = profile.samples.length;
    } catch (error) {
      logs.push(`reading profile: ${error}`);
    }
    waiting.resolve({ event, ns, profileStartUs, samples });
    waiting = null;
  } else {
    strays++;
  }
  rmSync(event.file, { force: true });
  rmSync(event.metaFile, { force: true });
});

// Notice sampler ticks from outside (the cpu reading changes at every tick) to know the phase of the spike start.
// Polled every 5 ms: finer polling costs this idle process enough CPU to approach the rule's min of 10 %.
let lastTickNs = 0n;
/** @type {number | null} */
let lastValue = null;
const watcher = setInterval(() => {
  const { value } = holmes.readings().cpu;
  if (value !== lastValue) {
    lastValue = value;
    lastTickNs = process.hrtime.bigint();
  }
}, 5);

/** @param {number} ms */
function burn(ms) {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
  return x;
}

holmes.start();

for (let trial = 0; trial < cfg.trials; trial++) {
  // quiet: the ring must hold only idle readings again and no dump may be running; then a random phase
  await sleep(cfg.interval * (cfg.window + 1));
  for (let extra = 0; extra < 10 && (running || !((lastValue ?? 0) < 10)); extra++) await sleep(cfg.interval);
  await sleep(Math.random() * cfg.interval);
  const tickBefore = lastTickNs;
  const spikeNs = process.hrtime.bigint();
  const spikeWallMs = performance.timeOrigin + performance.now();
  const busyBefore = running;
  /** @type {Caught | null} */
  let done = null;
  /** @type {Promise<void>} */
  const dumped = new Promise((/** @type {(caught: Caught) => void} */ resolve) => {
    waiting = { spikeWallMs, resolve };
  }).then((d) => {
    done = d;
  });
  // the spike: back-to-back slices of busy work; the event loop still turns between slices, as in a busy service
  const deadline = performance.now() + cfg.interval * 4 + cfg.profileDuration + 5000;
  await new Promise((/** @type {(value?: void) => void} */ resolve) => {
    (function slice() {
      if (done || performance.now() > deadline) return resolve();
      burn(cfg.sliceMs);
      setImmediate(slice);
    })();
  });
  if (!done) {
    waiting = null;
    say({ trial, error: 'no dump before the deadline', logs: logs.splice(0) });
    continue;
  }
  await dumped;
  // set by the dump handler (the checker cannot see that callback assign it)
  const { event, ns, profileStartUs, samples } = /** @type {Caught} */ (/** @type {unknown} */ (done));
  /** @type {(x: bigint, y: bigint) => number} */
  const ms = (x, y) => Number(x - y) / 1e6;
  say({
    trial,
    phaseMs: tickBefore ? ms(spikeNs, tickBefore) : null, // time since the last tick when the spike began
    firedMs: Date.parse(event.meta.startTime) - spikeWallMs, // ms resolution (ISO time)
    profileStartMs: profileStartUs === null ? null : profileStartUs / 1000 - Number(spikeNs) / 1e6,
    completeMs: ms(ns, spikeNs),
    // only the cpu rule is on here, so every dump has a threshold reason
    value: /** @type {import('../../src/index.js').ThresholdReason} */ (event.meta.reason).value,
    trigger: event.meta.reason.trigger,
    profiler: event.meta.details.profiler,
    samples,
    dumpRunningAtSpike: busyBefore,
  });
}

clearInterval(watcher);
await holmes.stop();
say({ done: true, strays, logs });
