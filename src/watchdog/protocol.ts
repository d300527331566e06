import type { WrittenDump } from '../sinks/meta.js';

/**
 * What the main thread and the watchdog worker share: the heartbeat layout, the clock both read, the data the
 * worker starts with and the messages it sends back. Imported by both bundles, so it holds no state.
 */

/**
 * Heartbeat slots (Int32Array on a SharedArrayBuffer): a counter bumped at every beat, when the last beat ran,
 * whether holmes-node itself is stalling the loop on purpose (a heap snapshot), which is not a block to catch, and
 * the dump budget: the worker may write a dump while WRITTEN < LIMIT. The main thread moves LIMIT (maxDumpsPerHour
 * against every dump of the last hour); the worker counts WRITTEN itself, so a blocked main thread cannot be outrun.
 */
export const COUNT = 0;
export const BEAT = 1;
export const SUSPENDED = 2;
export const LIMIT = 3;
export const WRITTEN = 4;
export const HEARTBEAT_SLOTS = 5;

/** Name of the main thread's heartbeat function: a pause that lands in it means the loop already ran again. */
export const HEARTBEAT_FUNCTION = 'holmesWatchdogHeartbeat';

/**
 * Milliseconds since `epoch` on a wall-anchored monotonic clock (`timeOrigin + now()`), wrapped to int32 so it fits
 * a heartbeat slot. Compare two readings with {@link since}, which is right across the wrap (every 24.8 days).
 */
export function clock(epoch: number): number {
  return Math.round(performance.timeOrigin + performance.now() - epoch) | 0;
}

/** `now - then` for two {@link clock} readings, correct across the int32 wrap for spans below 24.8 days. */
export function since(now: number, then: number): number {
  return (now - then) | 0;
}

/** How often the main thread beats for a given `block`: min(100, block / 4) ms. */
export function heartbeatInterval(blockMs: number): number {
  return Math.max(1, Math.min(100, Math.floor(blockMs / 4)));
}

/** `workerData` of the watchdog worker. */
export interface WatchdogWorkerData {
  heartbeat: SharedArrayBuffer;
  /** Origin of {@link clock}, chosen by the main thread. */
  epoch: number;
  blockMs: number;
  heartbeatMs: number;
  cooldownMs: number;
  /** Absolute dump directory. */
  dumpDir: string;
  /** Retention bounds kept when the worker writes (maxDumps, maxDumpBytes). */
  retention: { maxDumps: number; maxDumpBytes: number };
  /** `threadId` of the thread to watch: 0 for the main thread, else the worker thread that started holmes-node. */
  target: number;
}

/** One frame of the blocking stack, 1-based, for people. */
export interface StackFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

/** A `Debugger.CallFrame` without its scope chain and `this` (they only name remote objects that die on resume); 0-based as the protocol sends it. */
export interface RawCallFrame {
  callFrameId: string;
  functionName: string;
  url: string;
  location: { scriptId: string; lineNumber: number; columnNumber?: number };
  functionLocation?: { scriptId: string; lineNumber: number; columnNumber?: number };
}

/** Messages from the worker to the main thread. */
export type WorkerMessage =
  | { type: 'dump'; dump: WrittenDump }
  | { type: 'skip'; reason: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'error'; message: string };
