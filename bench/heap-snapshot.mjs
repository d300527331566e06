// Question 4: what does writing a heap snapshot cost the service: event-loop pause and peak memory, by heap size
// and writer (`heapdump` 0.3.15's writeSnapshot vs Node's built-in v8.writeHeapSnapshot, which holmes-node uses).
//
// Each measurement is a fresh child process (lib/heap-child.mjs) that builds a heap of about 50, 200 or 800 MB of
// small objects (records of a 3-field object and its own flat 400-character string: ~220 bytes per object on
// average, as in the heaps FACTS.md measured), resets its
// peak-RSS counter (/proc/self/clear_refs), then writes one snapshot: pause = hrtime around the synchronous call
// (a 1 ms timer confirms the loop saw the same gap), peak RSS = VmHWM after the write. The snapshot's node and
// edge counts are read from the file's header. Writers alternate order by size. Files are deleted at once.
// Then a full-disk check: each writer writes a snapshot of a small (~4 MB) heap to /dev/full, where every write
// fails with ENOSPC, and we record whether it reported the failure.
// --quick: 50 MB only. Full: 50, 200 and 800 MB, one snapshot per size and writer (an 800 MB heap takes about two
// minutes per snapshot here, most of the full run).
//
// heapdump is not a dependency (its node-gyp build needs Node's headers, which a fresh machine without root may not
// have): the heapdump rows run only when it is installed (`npm i --no-save heapdump@0.3.15`); otherwise they are
// left out and the run says so.
//
//   node bench/heap-snapshot.mjs [--quick] [--json out.json]
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { closeSync, existsSync, openSync, readSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { log, machine, runMain } from './lib/cli.mjs';
import { makeTemp, removeTemp } from './lib/children.mjs';
import { median, table } from './lib/stats.mjs';

const CHILD = fileURLToPath(new URL('./lib/heap-child.mjs', import.meta.url));

function heapdumpInstalled() {
  try {
    createRequire(import.meta.url).resolve('heapdump');
    return true;
  } catch {
    return false;
  }
}
/** @type {string[]} */
const WRITERS = heapdumpInstalled() ? ['v8', 'heapdump'] : ['v8'];

/** @param {boolean} quick */
function plan(quick) {
  const all = planAll(quick);
  return { runs: all.runs.filter(([, writer]) => WRITERS.includes(writer)) };
}

/**
 * @param {boolean} quick
 * @returns {{ runs: [targetMb: number, writer: string][] }}
 */
function planAll(quick) {
  return quick
    ? {
        runs: [
          [50, 'v8'],
          [50, 'heapdump'],
        ],
      }
    : {
        runs: [
          [50, 'v8'],
          [50, 'heapdump'],
          [200, 'heapdump'],
          [200, 'v8'],
          [800, 'v8'],
          [800, 'heapdump'],
        ],
      };
}

/** @param {string} file */
function snapshotCounts(file) {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const head = buf.subarray(0, n).toString('utf8');
    /** @param {string} key */
    const num = (key) => Number((head.match(new RegExp(`"${key}":(\\d+)`)) ?? [])[1] ?? NaN);
    return { nodes: num('node_count'), edges: num('edge_count') };
  } finally {
    closeSync(fd);
  }
}

/**
 * What lib/heap-child.mjs reports, plus the snapshot's counts (`nodes`, `edges`) when it was written.
 * @typedef {object} HeapRun
 * @property {string} writer
 * @property {number} targetMb
 * @property {number} records
 * @property {number} heapUsedMb
 * @property {number} rssBeforeMb
 * @property {number} peakRssMb
 * @property {number} peakAboveBeforeMb
 * @property {number} pauseMs
 * @property {boolean} ok
 * @property {string | null} error
 * @property {number | null} fileMb
 * @property {string | null} fileMode
 * @property {number} [nodes]
 * @property {number} [edges]
 */

/**
 * @param {{ targetMb: number, writer: string, file: string, payload: number }} cfg
 * @param {number} timeoutMs
 * @returns {Promise<HeapRun>}
 */
function runChild(cfg, timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--max-old-space-size=4096', CHILD, JSON.stringify(cfg)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_HEAPDUMP_OPTIONS: 'nosignal' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`heap child ${JSON.stringify(cfg)} exited ${code ?? signal}\n${err}`));
      resolve(JSON.parse(/** @type {string} */ (out.trim().split('\n').pop())));
    });
  });
}

/** @param {import('./lib/cli.mjs').Args} args */
export async function main({ quick }) {
  const p = plan(quick);
  const dir = makeTemp('holmes-bench-heap-');
  /** @type {HeapRun[]} */
  const runs = [];
  if (!WRITERS.includes('heapdump')) log('heap snapshot: heapdump is not installed: its rows are left out (npm i --no-save heapdump@0.3.15 adds them)');
  log(`heap snapshot: ${p.runs.length} snapshots, each in a fresh process: ${p.runs.map(([mb, w]) => `${mb} MB ${w}`).join(', ')}`);
  try {
    for (const [targetMb, writer] of p.runs) {
      const file = join(dir, `${writer}-${targetMb}-${runs.length}.heapsnapshot`);
      const r = await runChild({ targetMb, writer, file, payload: 400 }, 600_000);
      if (r.ok) Object.assign(r, snapshotCounts(file));
      rmSync(file, { force: true });
      runs.push(r);
      log(
        `  ${String(targetMb).padStart(3)} MB ${writer.padEnd(8)}: heap ${r.heapUsedMb.toFixed(0)} MB (${r.records} records, ${((r.nodes ?? Number.NaN) / 1e6).toFixed(2)} M nodes), pause ${(r.pauseMs / 1000).toFixed(2)} s, RSS ${r.rssBeforeMb.toFixed(0)} -> peak ${r.peakRssMb.toFixed(0)} MB, file ${r.fileMb?.toFixed(0)} MB mode ${r.fileMode}`,
      );
    }
  } finally {
    removeTemp(dir);
  }
  /** @type {Record<string, { reportedSuccess: boolean, error: string | null, pauseMs: number, heapUsedMb: number }>} */
  const fullDisk = {};
  if (existsSync('/dev/full')) {
    for (const writer of WRITERS) {
      const r = await runChild({ targetMb: 1, writer, file: '/dev/full', payload: 400 }, 120_000);
      fullDisk[writer] = { reportedSuccess: r.ok, error: r.error, pauseMs: r.pauseMs, heapUsedMb: r.heapUsedMb };
      log(
        `  full disk (/dev/full), ${writer}: ${r.ok ? 'reported SUCCESS' : `failed: ${r.error}`} (small heap ${r.heapUsedMb.toFixed(1)} MB, pause ${r.pauseMs.toFixed(0)} ms)`,
      );
    }
  }

  const sizes = [...new Set(p.runs.map(([mb]) => mb))];
  const summary = [];
  for (const mb of sizes) {
    for (const writer of ['heapdump', 'v8']) {
      const rs = runs.filter((r) => r.targetMb === mb && r.writer === writer);
      if (!rs.length) continue;
      summary.push({
        targetMb: mb,
        writer,
        n: rs.length,
        heapUsedMb: median(rs.map((r) => r.heapUsedMb)),
        nodesM: median(rs.map((r) => (r.nodes ?? Number.NaN) / 1e6)),
        pauseMs: median(rs.map((r) => r.pauseMs)),
        pauseMsAll: rs.map((r) => r.pauseMs),
        rssBeforeMb: median(rs.map((r) => r.rssBeforeMb)),
        peakRssMb: median(rs.map((r) => r.peakRssMb)),
        peakAboveBeforeMb: median(rs.map((r) => r.peakAboveBeforeMb)),
        // a failed write has no file: NaN, not a 0 MB file
        fileMb: median(rs.map((r) => r.fileMb ?? Number.NaN)),
        fileMode: rs[0].fileMode,
        usPerNode: median(rs.map((r) => (r.pauseMs * 1000) / (r.nodes ?? Number.NaN))),
      });
    }
  }
  log();
  log(
    table([
      ['heap', 'writer', 'n', 'heap used MB', 'nodes (M)', 'pause s', 'RSS before MB', 'peak RSS MB', 'peak - before MB', 'file MB', 'mode'],
      ...summary.map((s) => [
        `${s.targetMb} MB`,
        s.writer === 'v8' ? 'v8.writeHeapSnapshot' : 'heapdump',
        s.n,
        s.heapUsedMb.toFixed(0),
        s.nodesM.toFixed(2),
        (s.pauseMs / 1000).toFixed(2),
        s.rssBeforeMb.toFixed(0),
        s.peakRssMb.toFixed(0),
        s.peakAboveBeforeMb.toFixed(0),
        s.fileMb.toFixed(0),
        s.fileMode,
      ]),
    ]),
  );
  return { name: 'heap-snapshot', machine: machine(), quick, plan: p, summary, fullDisk, runs };
}

await runMain(import.meta.url, main);
