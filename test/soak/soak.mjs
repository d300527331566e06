// Soak: runs holmes-node at a 10 ms interval with every rule armed for at least 100,000 readings, and reports the
// library's own heap and RSS growth after warm-up, and whether any handle count grows. With the cpu rule on, start()
// creates the native addon's eager profiler (where the addon is built): the soak runs with it and says so.
//   npm run soak                      (100,000 readings: about 17 minutes)
//   npm run soak -- --readings 20000  (shorter)
// Not part of `npm test`. Run with --expose-gc (npm run soak does) so heap figures are taken after a full GC.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Holmes } from '../../dist/index.js';

const { values } = parseArgs({ options: { readings: { type: 'string', default: '100000' } } });
const target = Number(values.readings);
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');

const dumpDir = join(mkdtempSync(join(tmpdir(), 'holmes-soak-')), 'dumps');
const logs = [];
const infos = [];
const holmes = new Holmes({
  dumpDir,
  logger: { info: (m) => infos.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) },
  interval: 10,
  window: 10,
  cooldown: 60_000,
  handles: { trackStacks: true },
  eventLoop: { block: 1000 },
  cpu: { flightRecorder: false },
}).start();
const dumps = [];
holmes.on('dump', (e) => dumps.push(`${e.kind}: ${e.meta.summary}`));
holmes.on('error', (e) => dumps.push(`error: ${e.message}`));

// a light steady workload, the same all through, so growth can only come from holmes itself
let _sink = 0;
const keepAlive = setInterval(() => {
  _sink += Array.from({ length: 200 }, (_, i) => ({ i })).length;
}, 20);

const MB = 2 ** 20;
const samples = () => holmes.readings().cpu.samples;
function measure() {
  globalThis.gc();
  const handles = process.getActiveResourcesInfo().length;
  return { readings: samples(), heapUsedMB: process.memoryUsage().heapUsed / MB, rssMB: process.memoryUsage.rss() / MB, handles };
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

while (samples() < Math.min(5000, target / 10)) await sleep(200); // warm-up: JIT, rings, lazy allocations
const start = measure();
const rows = [start];
const step = Math.max(1000, Math.round(target / 10));
while (samples() < target) {
  await sleep(1000);
  if (samples() >= rows.at(-1).readings + step || samples() >= target) rows.push(measure());
}
const end = rows.at(-1);
await holmes.stop();
clearInterval(keepAlive);
rmSync(dumpDir, { recursive: true, force: true });

const fmt = (n) => n.toFixed(2).padStart(8);
console.log('readings   heapUsed MB   rss MB   active handles');
for (const row of rows) console.log(`${String(row.readings).padStart(8)} ${fmt(row.heapUsedMB)}     ${fmt(row.rssMB)}   ${row.handles}`);
const heapGrowth = end.heapUsedMB - start.heapUsedMB;
const rssGrowth = end.rssMB - start.rssMB;
console.log(
  `\nafter warm-up, over ${end.readings - start.readings} readings: heap ${heapGrowth >= 0 ? '+' : ''}${heapGrowth.toFixed(3)} MB, rss ${rssGrowth >= 0 ? '+' : ''}${rssGrowth.toFixed(2)} MB, handles ${start.handles} -> ${end.handles}`,
);
console.log(`dumps/errors during the soak: ${dumps.length ? dumps.join('; ') : 'none'}`);
const addonMissing = [...logs, ...infos].find((m) => m.includes('native profiler addon'));
console.log(`eager profiler: ${addonMissing ? `off (${addonMissing})` : 'on'}; Node ${process.version}`);
if (logs.length) console.log(`warnings: ${logs.join('; ')}`);
const ok = heapGrowth < 1 && end.handles <= start.handles;
console.log(ok ? 'PASS: heap growth under 1 MB, no handle growth' : 'FAIL: growth above target');
process.exitCode = ok ? 0 : 1;
