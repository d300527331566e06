// Running the HTTP service child (lib/http-server.mjs) and loading it with autocannon, bounded in count and time.
import autocannon from 'autocannon';
import { fileURLToPath } from 'node:url';
import { spawnChild } from './children.mjs';
import { distribution } from './stats.mjs';

const SERVER = fileURLToPath(new URL('./http-server.mjs', import.meta.url));

/**
 * @typedef {{ count: number, min: number, mean: number, p50: number, p90: number, p99: number, p999: number, max: number }} LoopDelay
 *   the service's event-loop delay in ms
 */

/**
 * The service's figures since the last reset (see lib/http-server.mjs).
 * @typedef {object} Stats
 * @property {'stats'} type
 * @property {number} elapsedMs
 * @property {number} cpuUs
 * @property {number} served requests served
 * @property {LoopDelay} loopDelayMs
 * @property {Record<string, import('../../src/index.js').SeriesReading> | null} readings
 * @property {number} rss
 * @property {number | null} threads
 */

/**
 * @typedef {object} LoadResult
 * @property {number} requests
 * @property {number} ok
 * @property {number} errors
 * @property {number} timeouts
 * @property {number} non2xx
 * @property {number} spanMs
 * @property {number} wallMs
 * @property {number} rps
 * @property {ReturnType<typeof distribution> | null} latencyMs
 */

/** @param {number} ms */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts the service (holmes-node imported, not started).
 * @param {{ timeoutMs?: number, execArgv?: string[] }} [options]
 */
export async function startService({ timeoutMs = 600_000, execArgv = [] } = {}) {
  const svc = spawnChild(SERVER, [], { timeoutMs, execArgv });
  const { port } = await svc.next('ready', 30_000);
  /** @type {(monitor?: boolean) => Promise<import('./children.mjs').Message>} */
  const reset = (monitor = true) => svc.request({ type: 'reset', monitor }, 'reset-ok', 10_000);
  const stats = () => /** @type {Promise<Stats>} */ (svc.request({ type: 'stats' }, 'stats', 10_000));
  return {
    ...svc,
    port,
    /** Stops the running Holmes (if any) and starts one with `holmes` options (null: none); returns the previous one's log. */
    /**
     * @param {object | null} holmes
     * @param {string | undefined} dumpDir
     * @returns {Promise<[level: string, message: string][]>}
     */
    configure: async (holmes, dumpDir, settleMs = 400) => (await svc.request({ type: 'configure', holmes, dumpDir, settleMs }, 'configured', 60_000)).logs,
    reset,
    stats,
    /**
     * The service's CPU over the next `ms` with its 1 ms loop monitor off (it would wake the process 1000 times a
     * second): that window's stats plus `cpuUsPerSec`, every thread of the process counted. Windows run back to back
     * split one span into parts.
     */
    /** @param {number} ms */
    async idleCpu(ms) {
      await reset(false);
      await sleep(ms);
      const window = await stats();
      return { ...window, cpuUsPerSec: (window.cpuUs * 1000) / window.elapsedMs };
    },
    /**
     * A full GC in the service (when it was started with --expose-gc); resolves to whether one ran.
     * @returns {Promise<boolean>}
     */
    gc: async () => (await svc.request({ type: 'gc' }, 'gc-ok', 10_000)).collected,
    /** Stops holmes and the server; returns holmes' log lines and dumps. */
    async stop() {
      const stopped = svc.next('stopped', 30_000).catch(() => null);
      svc.send({ type: 'exit' });
      const result = await stopped;
      await svc.close(5000);
      return result;
    },
  };
}

/**
 * One bounded autocannon run against 127.0.0.1:port. Count-bounded (`amount`), with a hard time cap.
 * Throughput is computed from the first to the last response (autocannon's own duration is rounded up to
 * its 1 s sampling tick when a run is count-bounded); latencies are taken per response at µs resolution.
 * @param {number} port
 * @param {{ connections?: number, amount: number, overallRate?: number, capMs?: number, keepLatencies?: boolean }} options
 * @returns {Promise<LoadResult>}
 */
export function load(port, { connections = 10, amount, overallRate, capMs = 60_000, keepLatencies = true }) {
  return new Promise((resolve, reject) => {
    const latencies = keepLatencies ? new Float64Array(amount) : null;
    let n = 0;
    let ok = 0;
    let first = 0;
    let last = 0;
    const startedAt = performance.now();
    const instance = autocannon(
      { url: `http://127.0.0.1:${port}/`, connections, amount, overallRate, pipelining: 1, timeout: 10, sampleInt: 100 },
      (error, result) => {
        clearTimeout(cap);
        if (error) return reject(error);
        const spanMs = last - first;
        resolve({
          requests: n,
          ok,
          errors: result.errors,
          timeouts: result.timeouts,
          non2xx: result.non2xx,
          spanMs,
          wallMs: last - startedAt,
          rps: spanMs > 0 ? ((n - 1) * 1000) / spanMs : NaN,
          latencyMs: latencies ? distribution(latencies.subarray(0, Math.min(n, amount))) : null,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      const now = performance.now();
      if (n === 0) first = now;
      last = now;
      if (latencies && n < amount) latencies[n] = responseTime;
      n++;
      if (statusCode >= 200 && statusCode < 300) ok++;
    });
    const cap = setTimeout(() => instance.stop(), capMs);
  });
}
