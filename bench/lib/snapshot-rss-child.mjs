// One heap snapshot in a fresh process, to see what RSS it adds and whether it comes back.
//   node --expose-gc snapshot-rss-child.mjs '{"objects":50000,"writer":"write"|"stream","file":"/tmp/…"}'
// Builds `objects` records of ~330 bytes (the leak of the tests), writes one snapshot, then prints one JSON line
// with RSS before, right after, and after a full GC and 3 s. It then waits for one line on stdin (the parent may
// call malloc_trim(0) in it meanwhile) and prints RSS once more.
import { createWriteStream, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import v8 from 'node:v8';

const { objects, writer, file } = JSON.parse(process.argv[2]);
/** @param {{ [key: string]: unknown }} event */
const say = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);
/** @param {number} bytes */
const mb = (bytes) => Math.round(bytes / 2 ** 20);
const rss = () => mb(process.memoryUsage.rss());

class Record {
  /** @param {number} i */
  constructor(i) {
    this.id = i;
    this.payload = `record-${i}-`.repeat(20);
  }
}
/** @type {Record[]} */
const kept = [];
for (let i = 0; i < objects; i++) kept.push(new Record(i));
/** @type {() => void} */ (globalThis.gc)(); // run with --expose-gc
const heapUsed = mb(v8.getHeapStatistics().used_heap_size);
const before = rss();
const started = performance.now();
if (writer === 'stream') await pipeline(v8.getHeapSnapshot(), createWriteStream(file));
else v8.writeHeapSnapshot(file);
const stallMs = Math.round(performance.now() - started);
const after = rss();
rmSync(file, { force: true });
/** @type {() => void} */ (globalThis.gc)();
await new Promise((resolve) => setTimeout(resolve, 3000));
const settled = rss();
say({ heapUsed, before, after, settled, stallMs, pid: process.pid });
const input = createInterface({ input: process.stdin });
input.once('line', () => {
  say({ trimmed: rss(), kept: kept.length });
  input.close();
});
