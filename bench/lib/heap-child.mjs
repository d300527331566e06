// One heap snapshot in a fresh process: builds a heap of about `targetMb` MB of small objects, then writes one
// snapshot with the chosen writer and reports the event-loop pause and the memory it took.
//   node [--max-old-space-size=…] heap-child.mjs '{"targetMb":200,"writer":"v8"|"heapdump","file":"/tmp/…","payload":400}'
// Prints one JSON line on stdout.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import v8 from 'node:v8';

const { targetMb, writer, file, payload = 400 } = JSON.parse(process.argv[2]);
// not named `require`: TypeScript would take `require('heapdump')` for a CommonJS import of an optional package
const requireHere = createRequire(import.meta.url);

function status() {
  const text = readFileSync('/proc/self/status', 'utf8');
  /** @param {string} key */
  const kb = (key) => Number((text.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm')) ?? [])[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

// The heap: records of two small objects each: a 3-field object (24 bytes) and its own flat string of `payload`
// characters (~16 + payload bytes; 400 by default, so objects average ~220 bytes, as in FACTS' measured heaps).
const tags = ['alpha', 'beta', 'gamma', 'delta'];
const scratch = Buffer.alloc(payload, 'abcdefghijklmnopqrstuvwxyz0123456789');
/** @type {{ id: number, tag: string, payload: string }[]} */
const records = [];
/** @param {number} n */
function addRecords(n) {
  for (let i = 0; i < n; i++) {
    const id = records.length;
    scratch.write(String(id).padStart(10, '0'), 0, 'latin1');
    records.push({ id, tag: tags[id % 4], payload: scratch.toString('latin1') });
  }
}
// grow to the target live size: measure after a full GC, then add what the measured bytes per record say is missing
const buildStart = performance.now();
const target = targetMb * 2 ** 20;
const live = () => {
  /** @type {() => void} */ (globalThis.gc)(); // run with --expose-gc
  return v8.getHeapStatistics().used_heap_size;
};
const base = live();
addRecords(5000);
for (let used = live(); used < target * 0.99; used = live()) {
  const perRecord = (used - base) / records.length;
  addRecords(Math.max(1000, Math.ceil((target - used) / perRecord)));
}
const buildMs = performance.now() - buildStart;
const heap = v8.getHeapStatistics();
const before = status();

// reset the peak-RSS counter (VmHWM) so it measures the snapshot alone; needs Linux >= 4.0
let hwmReset = false;
try {
  writeFileSync('/proc/self/clear_refs', '5');
  hwmReset = status().hwmMb <= before.rssMb + 1;
} catch {
  hwmReset = false;
}

// a 1 ms timer running before the call shows the pause as seen by the event loop too
let lastTick = performance.now();
let maxGap = 0;
const ticker = setInterval(() => {
  const now = performance.now();
  maxGap = Math.max(maxGap, now - lastTick);
  lastTick = now;
}, 1);
await new Promise((resolve) => setTimeout(resolve, 50));

let ok;
let error = null;
const t0 = process.hrtime.bigint();
if (writer === 'v8') {
  try {
    v8.writeHeapSnapshot(file);
    ok = true;
  } catch (e) {
    ok = false;
    error = String(e);
  }
} else {
  const heapdump = requireHere('heapdump');
  ok = heapdump.writeSnapshot(file, (/** @type {Error | null} */ e) => {
    if (e) error = String(e);
  });
}
const pauseMs = Number(process.hrtime.bigint() - t0) / 1e6;
await new Promise((resolve) => setTimeout(resolve, 20));
clearInterval(ticker);
const after = status();

process.stdout.write(
  `${JSON.stringify({
    writer,
    targetMb,
    records: records.length,
    payloadChars: payload,
    buildMs,
    heapUsedMb: heap.used_heap_size / 2 ** 20,
    heapTotalMb: heap.total_heap_size / 2 ** 20,
    rssBeforeMb: before.rssMb,
    peakRssMb: after.hwmMb,
    peakRssIsSnapshotOnly: hwmReset,
    peakAboveBeforeMb: after.hwmMb - before.rssMb,
    pauseMs,
    loopGapMs: maxGap,
    ok,
    error,
    fileMb: ok ? statSync(file).size / 2 ** 20 : null,
    fileMode: ok ? (statSync(file).mode & 0o777).toString(8) : null,
  })}\n`,
);
