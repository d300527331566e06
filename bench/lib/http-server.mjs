// The service under test: a small HTTP server on loopback, run in its own process so the load generator does not
// share its event loop. One process serves a whole benchmark; holmes-node (the built package, dist/) is started
// and stopped in it on request, so every variant runs in the same warmed-up process and drift cancels.
// IPC protocol (parent -> child -> parent):
//   (start)                                   -> 'ready' {port}
//   'configure' {holmes: options|null, dumpDir, settleMs} -> 'configured' {logs}   (stops the previous Holmes first)
//   'reset' {monitor?: false}                 -> 'reset-ok'   (zeroes CPU, request count and loop-delay histogram;
//                                                               monitor false turns the 1 ms loop monitor off)
//   'stats'                                   -> 'stats' {elapsedMs, cpuUs, served, loopDelayMs, readings, rss, threads}
//   'gc'                                      -> 'gc-ok'      (a full GC first when started with --expose-gc)
//   'exit'                                    -> 'stopped' {logs, dumps}, then exits
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { distUrl } from './load.mjs';

/** @type {typeof import('../../src/index.js')} the built dist/, whose source is src/ */
const { Holmes, RULE_NAMES } = await import(distUrl());

/** @type {[level: string, message: string][]} */
let logs = [];
/** @type {import('../../src/index.js').Logger} */
const logger = {
  info: (m) => logs.push(['info', m]),
  warn: (m) => logs.push(['warn', m]),
  error: (m) => logs.push(['error', m]),
};

// Each request does a little real work (builds and serialises a 30-item catalogue page, ~20-30 µs of CPU) so the
// server, not the load generator, is the bottleneck: its cost shows in requests/s.
let served = 0;
const server = createServer((req, res) => {
  served++;
  const items = [];
  for (let i = 0; i < 30; i++)
    items.push({ id: served * 30 + i, name: `item-${i}`, price: Math.round(i * 137.5) / 100, tags: ['new', i % 2 ? 'odd' : 'even'] });
  const body = JSON.stringify({ ok: true, id: served, path: req.url, at: Date.now(), items });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 30_000;

/** @type {import('../../src/index.js').Holmes | null} */
let holmes = null;
/** @type {{ kind: string, file: string }[]} */
const dumps = [];

/**
 * @param {{ holmes: (Record<string, any> & { unreachable?: boolean }) | null, dumpDir: string, settleMs?: number }} request
 */
async function configure({ holmes: options, dumpDir, settleMs = 400 }) {
  if (holmes) await holmes.stop();
  holmes = null;
  const previousLogs = logs;
  logs = [];
  if (options) {
    // `unreachable: true`: every rule keeps min but gets abs and diff of 1e9, so all sampling, sources and rule
    // evaluation run and no rule can fire (dumps are measured on their own)
    const { unreachable, ...given } = options;
    if (unreachable) {
      for (const rule of RULE_NAMES) {
        if (given[rule] !== false) given[rule] = { ...(given[rule] ?? {}), abs: 1e9, diff: 1e9 };
      }
    }
    holmes = new Holmes({ ...given, dumpDir, logger });
    holmes.on('dump', (e) => dumps.push({ kind: e.kind, file: e.file }));
    holmes.on('error', (e) => logs.push(['error-event', e.message]));
    holmes.start();
  }
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  return previousLogs;
}

const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
let cpu0 = process.cpuUsage();
let t0 = performance.now();
let served0 = 0;

/**
 * To the parent over IPC (this process is always forked with a channel, so `process.send` is set).
 * @param {Record<string, unknown>} msg
 * @param {() => void} [callback]
 */
function send(msg, callback) {
  const child = /** @type {{ send: NonNullable<NodeJS.Process['send']> }} */ (process);
  return callback ? child.send(msg, callback) : child.send(msg);
}

server.listen(0, '127.0.0.1', () => send({ type: 'ready', port: /** @type {import('node:net').AddressInfo} */ (server.address()).port, pid: process.pid }));

/** Threads of this process (/proc/self/status): a CPU profiler adds one (its sampler thread), a worker thread one. */
function threadCount() {
  try {
    return Number(/** @type {RegExpExecArray} */ (/^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8')))[1]);
  } catch {
    return null;
  }
}

function loopStats() {
  /** @param {number} ns */
  const ms = (ns) => ns / 1e6;
  return {
    count: loop.count,
    min: ms(loop.min),
    mean: ms(loop.mean),
    p50: ms(loop.percentile(50)),
    p90: ms(loop.percentile(90)),
    p99: ms(loop.percentile(99)),
    p999: ms(loop.percentile(99.9)),
    max: ms(loop.max),
  };
}

process.on('message', async (/** @type {any} */ msg) => {
  switch (msg?.type) {
    case 'configure': {
      const previous = await configure(msg);
      send({ type: 'configured', logs: previous });
      break;
    }
    case 'reset':
      // the 1 ms loop-delay monitor wakes the process 1000 times a second: off while idle CPU is measured
      if (msg.monitor === false) loop.disable();
      else loop.enable();
      loop.reset();
      cpu0 = process.cpuUsage();
      t0 = performance.now();
      served0 = served;
      send({ type: 'reset-ok' });
      break;
    case 'stats': {
      const cpu = process.cpuUsage(cpu0);
      send({
        type: 'stats',
        elapsedMs: performance.now() - t0,
        cpuUs: cpu.user + cpu.system,
        served: served - served0,
        loopDelayMs: loopStats(),
        readings: holmes ? holmes.readings() : null,
        rss: process.memoryUsage.rss(),
        threads: threadCount(),
      });
      break;
    }
    case 'gc':
      globalThis.gc?.();
      send({ type: 'gc-ok', collected: typeof globalThis.gc === 'function' });
      break;
    case 'exit':
      if (holmes) await holmes.stop();
      server.closeAllConnections?.();
      server.close();
      send({ type: 'stopped', logs, dumps }, () => process.exit(0));
      break;
    default:
      break;
  }
});
process.on('disconnect', () => process.exit(0));
