// What RSS does a heap snapshot add, on each Node line, and what holds it (V8 or the allocator)?
// Each row is a fresh child (lib/snapshot-rss-child.mjs) that builds 50k or 200k records (~17 / ~60 MB of heap),
// writes one snapshot and reports RSS before, right after, and after a full GC and 3 s; then `malloc_trim(0)` is
// called in it through gdb, and RSS read once more. Variants on Node 20 and 24: glibc with MALLOC_ARENA_MAX=2,
// jemalloc (LD_PRELOAD of Debian's libjemalloc2), and the streaming writer (`v8.getHeapSnapshot()` piped to a file).
// The factor holmes-node's preflight uses (heap-preflight.ts) is the largest (after - before) / heap used seen here.
//   node bench/snapshot-rss.mjs [--json out.json]      (node lines from /work/runtimes/rNN, else this one only)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./lib/snapshot-rss-child.mjs', import.meta.url));
const JEMALLOC = '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2';
const jsonOut = process.argv.includes('--json') ? process.argv[process.argv.indexOf('--json') + 1] : null;

/** @type {[major: string, node: string][]} */
const lines = [['20', process.execPath]];
for (const major of ['22', '24', '26']) {
  const bin = `/work/runtimes/r${major}/package/bin/node`;
  if (existsSync(bin)) lines.push([major, bin]);
}

/** @typedef {{ name: string, env: Record<string, string>, writer: 'write' | 'stream' }} Variant */

/**
 * @param {string} major
 * @returns {Variant[]}
 */
function variants(major) {
  /** @type {Variant[]} */
  const base = [{ name: 'default', env: {}, writer: 'write' }];
  if (major !== '20' && major !== '24') return base;
  /** @type {Variant[]} */
  const more = [
    { name: 'MALLOC_ARENA_MAX=2', env: { MALLOC_ARENA_MAX: '2' }, writer: 'write' },
    { name: 'getHeapSnapshot stream', env: {}, writer: 'stream' },
  ];
  if (existsSync(JEMALLOC)) more.push({ name: 'jemalloc', env: { LD_PRELOAD: JEMALLOC }, writer: 'write' });
  return [...base, ...more];
}

const canTrim = spawnSync('gdb', ['--version']).status === 0;

/**
 * What lib/snapshot-rss-child.mjs reports (MB, ms), plus `trimmed`: RSS after malloc_trim(0) when it was called.
 * @typedef {{ heapUsed: number, before: number, after: number, settled: number, stallMs: number, pid: number, trimmed: number | null }} Row
 */

/**
 * @param {string} node
 * @param {number} objects
 * @param {Variant} variant
 * @returns {Promise<Row>}
 */
function run(node, objects, variant) {
  return new Promise((resolve, reject) => {
    const file = join(tmpdir(), `holmes-snapshot-rss-${process.pid}.heapsnapshot`);
    const child = spawn(node, ['--expose-gc', CHILD, JSON.stringify({ objects, writer: variant.writer, file })], {
      env: { ...process.env, ...variant.env },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    /** @type {Omit<Row, 'trimmed'> | undefined} */
    let first;
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const rows = out
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line));
      if (rows.length === 1 && !first) {
        first = /** @type {Omit<Row, 'trimmed'>} */ (rows[0]);
        // glibc's malloc_trim(0) in the child: does the allocator hand the memory back?
        if (canTrim && !variant.env.LD_PRELOAD) {
          spawnSync('gdb', ['-p', String(first.pid), '-batch', '-ex', 'call (int)malloc_trim(0)'], { stdio: 'ignore', timeout: 60_000 });
        }
        child.stdin.end('go\n');
      }
      // the second row comes after the first, so `first` is set
      if (rows.length === 2) resolve({ .../** @type {Omit<Row, 'trimmed'>} */ (first), trimmed: canTrim && !variant.env.LD_PRELOAD ? rows[1].trimmed : null });
    });
    child.on('exit', (code) => (code === 0 ? undefined : reject(new Error(`child exited ${code}`))));
  });
}

const results = [];
console.log('| Node | variant | objects | heap used | RSS before → after (settled) | added / heap used | after malloc_trim | stall |');
console.log('|---|---|---|---|---|---|---|---|');
for (const [major, node] of lines) {
  const version = spawnSync(node, ['-v'], { encoding: 'utf8' }).stdout.trim();
  for (const variant of variants(major)) {
    for (const objects of [50_000, 200_000]) {
      const r = await run(node, objects, variant);
      const factor = (r.after - r.before) / r.heapUsed;
      results.push({ node: version, variant: variant.name, objects, ...r, factor });
      const trim = r.trimmed === null ? '—' : `${r.trimmed} MB`;
      console.log(
        `| ${version} | ${variant.name} | ${objects / 1000}k | ${r.heapUsed} MB | ${r.before} → ${r.after} (${r.settled}) MB | ${factor.toFixed(1)} | ${trim} | ${(r.stallMs / 1000).toFixed(1)} s |`,
      );
    }
  }
}
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ date: new Date().toISOString(), results }, null, 2));
