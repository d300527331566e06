import { isMainThread, threadId, Worker } from 'node:worker_threads';
import type { Watch, WatchEnv, WatchSettings } from '../rules/define.js';
import {
  BEAT,
  COUNT,
  HEARTBEAT_FUNCTION,
  HEARTBEAT_SLOTS,
  LIMIT,
  SUSPENDED,
  WRITTEN,
  clock,
  heartbeatInterval,
  type WatchdogWorkerData,
  type WorkerMessage,
} from './protocol.js';
import { watchdogWorkerSource } from './worker-source.js';

/** The options the watchdog follows: `eventLoop.enabled`, `eventLoop.block` and the cooldown. */
export interface BlockConfig {
  enabled: boolean;
  block: number;
  cooldown?: number;
}

/** What a running worker was started with: a change to any of them restarts it. */
interface WorkerSettings {
  blockMs: number;
  cooldownMs: number;
  maxDumps: number;
  maxDumpBytes: number;
}

// The worker never needs much: it copies a stack and writes two small files. A runaway is cut off (and reported)
// rather than allowed to grow inside the host.
const WORKER_LIMITS = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8, stackSizeMb: 1 };
/** How long `stop()` lets the worker finish a capture it is writing before it is terminated. */
const STOP_GRACE_MS = 2000;

/**
 * Catches a blocked event loop in the act: the main thread bumps a shared heartbeat from an unref'd timer, and a
 * worker thread that sees it stand still for `blockMs` pauses the main thread through the inspector, copies the stack
 * of the code blocking it and writes the dump itself. Costs one worker thread (about 10 MB of RSS) and a
 * heartbeat timer on the main thread.
 */
export class BlockWatchdog implements Watch<BlockConfig> {
  readonly #env: WatchEnv;
  /** The block and cooldown it runs with, while it runs (even when the worker has died: that is reported once, and the worker is not restarted until the settings change or holmes-node restarts). */
  #running: WorkerSettings | undefined;
  #worker: Worker | undefined;
  #timer: NodeJS.Timeout | undefined;
  #heartbeat: { shared: Int32Array; beat: () => void } | undefined;
  /** Dumps the worker reported, and how many more it may write now. */
  #acknowledged = 0;
  #allowance = 0;
  readonly #stopping = new Set<Promise<void>>();

  constructor(env: WatchEnv) {
    this.#env = env;
  }

  /** Whether it runs (the worker may have died since; see {@link BlockConfig}). */
  get active(): boolean {
    return this.#running !== undefined;
  }

  /** Starts, restarts (new block or cooldown) or stops the worker to match the settings. Never throws. */
  apply({ on, config, cooldown, allowance, retention }: WatchSettings<BlockConfig>): void {
    const wanted = { blockMs: config.block, cooldownMs: config.cooldown ?? cooldown, ...retention };
    const running = this.#running;
    if (running && (!on || Object.entries(wanted).some(([key, value]) => running[key as keyof typeof wanted] !== value))) {
      this.#running = undefined;
      this.#release();
    }
    this.allow(allowance);
    if (!on || this.#running) return;
    this.#running = wanted;
    try {
      this.#spawn(wanted);
    } catch (error) {
      this.#fail(error);
    }
  }

  allow(allowance: number): void {
    this.#allowance = allowance;
    // a fresh worker counts its dumps from 0; LIMIT is what it may have written by now
    if (this.#heartbeat) Atomics.store(this.#heartbeat.shared, LIMIT, this.#acknowledged + allowance);
  }

  unacknowledged(): number {
    return this.#heartbeat ? Math.max(0, Atomics.load(this.#heartbeat.shared, WRITTEN) - this.#acknowledged) : 0;
  }

  #spawn({ blockMs, cooldownMs, maxDumps, maxDumpBytes }: WorkerSettings): void {
    const { dumpDir } = this.#env;
    const source = watchdogWorkerSource();
    const heartbeatMs = heartbeatInterval(blockMs);
    const shared = new SharedArrayBuffer(HEARTBEAT_SLOTS * Int32Array.BYTES_PER_ELEMENT);
    const heartbeat = new Int32Array(shared);
    const epoch = performance.timeOrigin + performance.now();
    // named, so a pause that lands here (the loop already ran again) is recognised by the worker
    const beat = {
      [HEARTBEAT_FUNCTION]() {
        Atomics.store(heartbeat, BEAT, clock(epoch));
        Atomics.add(heartbeat, COUNT, 1);
      },
    }[HEARTBEAT_FUNCTION]!;
    beat();
    this.#heartbeat = { shared: heartbeat, beat };
    this.#acknowledged = 0;
    this.allow(this.#allowance);
    const workerData: WatchdogWorkerData = {
      heartbeat: shared,
      epoch,
      blockMs,
      heartbeatMs,
      cooldownMs,
      dumpDir,
      retention: { maxDumps, maxDumpBytes },
      // the thread to watch is the one this Holmes runs on: the main thread, or a worker thread
      target: isMainThread ? 0 : threadId,
    };
    // inlined code, not a file: nothing to find beside a host's bundle (worker-source.ts)
    const worker = new Worker(source, {
      eval: true,
      workerData,
      // a clean thread: no --require/--import preloads (an APM agent) nor NODE_OPTIONS from the host
      execArgv: [],
      env: {},
      resourceLimits: WORKER_LIMITS,
    });
    this.#worker = worker;
    worker.on('message', (message: WorkerMessage) => {
      if (this.#worker === worker) this.#receive(message);
    });
    worker.on('error', (error) => {
      if (this.#worker === worker) this.#fail(error);
    });
    worker.on('exit', (code) => {
      if (this.#worker === worker) this.#fail(new Error(`the block watchdog worker exited (code ${code})`));
    });
    // after the listeners: adding a 'message' listener refs the worker's port again
    worker.unref();
    this.#timer = setInterval(beat, heartbeatMs);
    this.#timer.unref();
    const watched = isMainThread ? '' : ` of worker thread ${threadId}`;
    this.#env.logger.info(`block watchdog on: a loop${watched} blocked for ${blockMs} ms is caught by a worker thread (heartbeat every ${heartbeatMs} ms)`);
  }

  /**
   * Runs `stall`, a deliberate synchronous stall of the loop by holmes-node itself (a heap snapshot), with the worker
   * told to look away: the snapshot is not the service's block.
   */
  suspendDuring<T>(stall: () => T): T {
    const heartbeat = this.#heartbeat;
    if (!heartbeat) return stall();
    Atomics.store(heartbeat.shared, SUSPENDED, 1);
    try {
      return stall();
    } finally {
      heartbeat.beat(); // a fresh beat first, so the worker never sees the old one once it looks again
      Atomics.store(heartbeat.shared, SUSPENDED, 0);
    }
  }

  #receive(message: WorkerMessage): void {
    const { logger, hooks } = this.#env;
    try {
      switch (message.type) {
        case 'dump':
          this.#acknowledged++;
          hooks.written(message.dump);
          break;
        case 'skip':
          hooks.skipped(message.reason);
          break;
        case 'log':
          logger[message.level](`block watchdog: ${message.message}`);
          break;
        case 'error':
          hooks.error(message.message);
          break;
      }
    } catch (error) {
      // a throwing callback must not become an uncaught exception in the host
      logger.error(`block watchdog: handling a worker message failed: ${String(error)}`);
    }
  }

  /** Reports a fault once and leaves the worker off until the settings change: a dying worker is not restarted in a loop. */
  #fail(error: unknown): void {
    // a worker that failed has nothing worth finishing: no grace period, no timer holding the host
    this.#release(false);
    const fault = error instanceof Error ? error : new Error(String(error));
    try {
      this.#env.hooks.error(`block watchdog stopped: ${fault.message}`, fault);
    } catch (thrown) {
      this.#env.logger.error(`block watchdog: reporting a fault threw: ${String(thrown)}`);
    }
  }

  #release(graceful = true): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#heartbeat = undefined;
    const worker = this.#worker;
    this.#worker = undefined;
    if (!worker) return;
    // its listeners stay, but ignore it from now on (an 'error' without a listener would throw into the host)
    if (!graceful) {
      worker.terminate().catch(() => undefined);
      return;
    }
    const ended = new Promise<void>((resolve) => {
      // a capture being written is let finish, within a bound; a worker that does not end is terminated. The bound
      // is the one timer left ref'd: a `stop()` being awaited must be able to end (the worker itself is unref'd)
      const bound = setTimeout(resolve, STOP_GRACE_MS);
      worker.once('exit', () => {
        clearTimeout(bound);
        resolve();
      });
    });
    try {
      worker.postMessage({ type: 'stop' });
    } catch {
      // already gone
    }
    const stopped = ended
      .then(() => worker.terminate())
      .then(
        () => undefined,
        () => undefined,
      );
    this.#stopping.add(stopped);
    void stopped.finally(() => this.#stopping.delete(stopped));
  }

  /** Resolves once every worker asked to stop has ended. */
  async settled(): Promise<void> {
    while (this.#stopping.size > 0) await Promise.all([...this.#stopping]);
  }
}
