// The main job: starts the example HTTP service with a short interval, triggers a CPU spike, a memory leak,
// a handle leak and a blocked event loop, waits for the four dumps, prints their paths and why each was taken.
// Exits 0 when all four appeared, 1 otherwise.   Run: npm run demo
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const INTERVAL = 200;
/** Each problem, the route that causes it, and the dump kind that must appear. */
const PROBLEMS = [
  ['cpu', '/cpu'],
  ['memory', '/leak'],
  ['handles', '/handles'],
  ['eventLoop', '/block'],
];
const WINDOW = 10;
const DEADLINE_MS = 90_000;
const dumpDir = join(mkdtempSync(join(tmpdir(), 'holmes-demo-')), 'dumps');

const service = spawn(process.execPath, [fileURLToPath(new URL('./http-service.mjs', import.meta.url))], {
  env: { ...process.env, HOLMES_DIR: dumpDir, HOLMES_INTERVAL: String(INTERVAL), SPIKE_MS: '6000' },
  stdio: ['ignore', 'pipe', 'inherit'],
});

const dumps = new Map();
let port;
let lineBuffer = '';
const waiters = [];
service.stdout.on('data', (chunk) => {
  lineBuffer += chunk;
  let newline;
  while ((newline = lineBuffer.indexOf('\n')) >= 0) {
    const line = lineBuffer.slice(0, newline);
    lineBuffer = lineBuffer.slice(newline + 1);
    let event;
    try {
      event = JSON.parse(line);
    } catch {
      console.log(`  service: ${line}`);
      continue;
    }
    if (event.event === 'listening') port = event.port;
    if (event.event === 'dump' && !dumps.has(event.kind)) dumps.set(event.kind, event);
    for (const wake of waiters.splice(0)) wake();
  }
});

const changed = () => new Promise((resolve) => waiters.push(resolve));
async function until(test, what) {
  const deadline = Date.now() + DEADLINE_MS;
  while (!test()) {
    if (Date.now() > deadline || service.exitCode !== null) throw new Error(`gave up waiting for ${what}`);
    await Promise.race([changed(), new Promise((r) => setTimeout(r, 250))]);
  }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const get = async (path) => (await fetch(`http://127.0.0.1:${port}${path}`)).text();

let ok = false;
try {
  await until(() => port !== undefined, 'the service to listen');
  console.log(`service on 127.0.0.1:${port}, dumps to ${dumpDir}; warming up ${(INTERVAL * (WINDOW + 2)) / 1000} s`);
  await sleep(INTERVAL * (WINDOW + 2));
  for (const [kind, path] of PROBLEMS) {
    console.log(`GET ${path}: ${(await get(path)).trim()}`);
    await until(() => dumps.has(kind), `the ${kind} dump`);
    await sleep(INTERVAL * 3); // let the readings settle before the next problem
  }
  console.log('\nDumps written:');
  for (const [kind] of PROBLEMS) {
    // the dump event's summary is the meta's (the .meta.json beside the file holds the rest)
    const { file, summary } = dumps.get(kind);
    console.log(`  ${kind.padEnd(9)} ${file}\n            ${summary}`);
  }
  console.log(`\nRead them with: npx holmes-node ls ${dumpDir}   (or: node dist/cli.js show <file>)`);
  ok = true;
} catch (error) {
  console.error(`demo failed: ${error.message}; dumps seen: ${[...dumps.keys()].join(', ') || 'none'}`);
} finally {
  service.kill('SIGTERM');
  await new Promise((resolve) => (service.exitCode !== null ? resolve() : service.once('exit', resolve)));
}
process.exit(ok ? 0 : 1);
