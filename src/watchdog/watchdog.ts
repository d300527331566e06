import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../logger.js';
import {
  BEAT, COUNT, HEARTBEAT_FUNCTION, HEARTBEAT_SLOTS, SUSPENDED, clock, heartbeatInterval, type WatchdogWorkerData, type WorkerMessage,
} from './protocol.js';

/** A blocked-loop dump, written by the worker while the main thread was still blocked. */
export interface BlockDump {
  /** Absolute path of `eventLoop-<timestamp>-<pid>.block.json`. */
  file: string;
  /** Absolute path of the `.meta.json` beside it. */
  metaFile: string;
  /** How long the loop had not turned when its stack was taken. */
  blockedMs: number;
  summary: string;
  /** The parsed `.meta.json` (DumpMeta as far as it applies: no readings, limits, interval or window). */
  meta: Record<string, unknown>;
}

export interface BlockWatchdogOptions {
  /** Stand-still of the loop, in ms, that is caught; >= 100. */
  blockMs: number;
  /** Absolute dump directory. */
  dumpDir: string;
  /** After a capture, no new capture for this long (ms). */
  cooldownMs: number;
  /** Already safe-wrapped by the caller. */
  logger: Logger;
  /** Called on the main thread once it runs again. */
  onDump(dump: BlockDump): void;
  /** Worker faults (dump directory unwritable, inspector failure, worker died), on the main thread. */
  onError(error: Error): void;
}

/** Where tsup puts the worker: beside the main bundle (dist/index.js and dist/index.cjs alike). */
const WORKER_URL = new URL('./watchdog-worker.js', import.meta.url);

// The worker never needs much: it copies a stack and writes two small files. A runaway is cut off (and reported)
// rather than allowed to grow inside the host.
const WORKER_LIMITS = { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8, stackSizeMb: 1 };

/**
 * Catches a blocked event loop in the act: the main thread bumps a shared heartbeat from an unref'd timer, and a
 * worker thread that sees it stand still for `blockMs` pauses the main thread through the inspector, copies the stack
 * of the code blocking it and writes the dump itself. Costs one worker thread (about 10 MB of RSS) and a
 * heartbeat timer on the main thread.
 */
export class BlockWatchdog {
  readonly #options: BlockWatchdogOptions;
  #active = false;
  #worker: Worker | undefined;
  #timer: NodeJS.Timeout | undefined;
  #heartbeat: { shared: Int32Array; beat: () => void } | undefined;

  constructor(options: BlockWatchdogOptions) {
    this.#options = options;
  }

  /** True from `start()` to `stop()`, even when the worker has died (it is reported once, and not restarted until `stop()` and `start()`). */
  get active(): boolean {
    return this.#active;
  }

  /** Starts the heartbeat and the worker. Idempotent; never throws (faults go to `onError`). */
  start(): void {
    if (this.#active) return;
    this.#active = true;
    try {
      this.#spawn();
    } catch (error) {
      this.#fail(error);
    }
  }

  /** Terminates the worker and clears the heartbeat. Idempotent. */
  stop(): void {
    if (!this.#active) return;
    this.#active = false;
    this.#release();
  }

  #spawn(): void {
    const { blockMs, cooldownMs, dumpDir } = this.#options;
    const path = fileURLToPath(WORKER_URL);
    if (!existsSync(path)) {
      throw new Error(`the watchdog worker script is missing at ${path} (it ships beside holmes-node's dist/index.js; a bundler that inlines holmes-node must copy it)`);
    }
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
    const workerData: WatchdogWorkerData = { heartbeat: shared, epoch, blockMs, heartbeatMs, cooldownMs, dumpDir };
    const worker = new Worker(WORKER_URL, {
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
    this.#options.logger.info(`block watchdog on: a loop blocked for ${blockMs} ms is caught by a worker thread (heartbeat every ${heartbeatMs} ms)`);
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
    const { logger } = this.#options;
    try {
      switch (message.type) {
        case 'dump':
          logger.info(`wrote ${message.file}: ${message.summary}`);
          this.#options.onDump({
            file: message.file, metaFile: message.metaFile, blockedMs: message.blockedMs, summary: message.summary, meta: message.meta,
          });
          break;
        case 'log':
          logger[message.level](`block watchdog: ${message.message}`);
          break;
        case 'error':
          this.#options.onError(new Error(message.message));
          break;
      }
    } catch (error) {
      // a throwing callback must not become an uncaught exception in the host
      logger.error(`block watchdog: handling a worker message failed: ${String(error)}`);
    }
  }

  /** Reports a fault once and leaves the watchdog off until `stop()` and `start()`: a dying worker is not restarted in a loop. */
  #fail(error: unknown): void {
    this.#release();
    const fault = error instanceof Error ? error : new Error(String(error));
    try {
      this.#options.onError(new Error(`block watchdog stopped: ${fault.message}`, { cause: fault }));
    } catch (thrown) {
      this.#options.logger.error(`block watchdog: onError threw: ${String(thrown)}`);
    }
  }

  #release(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#heartbeat = undefined;
    const worker = this.#worker;
    this.#worker = undefined;
    // its listeners stay, but ignore it from now on (an 'error' without a listener would throw into the host)
    worker?.terminate().catch(() => undefined);
  }
}
