import { unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Culprit } from '../dumpers/culprit.js';
import type { Limits } from '../sources/limits.js';
import type { DumpDir } from './dump-dir.js';
import { META_EXTENSION } from './formats.js';

/** Why a sampled rule fired: its reading against its thresholds. */
export interface ThresholdReason {
  /** The rule (and the series it watches). */
  rule: string;
  value: number;
  /** Average of the previous `window` readings. */
  average: number;
  /** Which condition fired: the absolute threshold, or the rise above the moving average. */
  trigger: 'abs' | 'diff';
  thresholds: { min: number; diff: number; abs: number };
}

/** Why the blocked-loop watchdog fired: the loop stood still for `value` ms, at least `thresholds.block`. */
export interface BlockReason {
  rule: 'eventLoop';
  /** How long the loop had not turned when its stack was taken, in ms. */
  value: number;
  average: 0;
  trigger: 'block';
  thresholds: { block: number };
}

/** Why V8 wrote a snapshot itself: the heap reached its limit (`value`, bytes); adopted by holmes-node afterwards. */
export interface NearHeapLimitReason {
  rule: 'heap';
  value: number;
  average: 0;
  trigger: 'nearHeapLimit';
  thresholds: { heapLimitBytes: number };
}

/** Why an on-demand dump was taken: `holmes.dump(kind)` in code, or an operator's request on the signal. */
export interface ManualReason {
  /** The kind asked for (`cpu`, `heapprofile`, `heapsnapshot`, `handles`, `report`). */
  rule: string;
  trigger: 'manual';
  via: 'code' | 'signal';
  /** The request's id (`holmes-node dump` finds its answer by it); signal only. */
  requestId?: string;
  /** The uid that owned the request file (this process's user, or 0 for root); signal only. */
  requestedBy?: number;
}

/** Why a dump was taken. */
export type FireReason = ThresholdReason | BlockReason | ManualReason | NearHeapLimitReason;

/** Which condition fired a dump. */
export type Trigger = FireReason['trigger'];

/** The `.meta.json` written beside every dump, by every rule: the one shape the writer, the event and the CLI share. */
export interface DumpMeta {
  /**
   * The rule section the dump belongs to (`cpu`, `memory`, `handles`, `eventLoop`, `heap` or `gc`), or for an
   * on-demand dump the kind asked for (`cpu`, `heapprofile`, `heapsnapshot`, `handles`, `report`).
   */
  kind: string;
  /** File name of the dump, in the same directory. */
  file: string;
  /** One line a person can read: what fired and why. */
  summary: string;
  reason: FireReason;
  /**
   * The last `window` readings of every series, oldest first, including the one that fired. Absent from dumps the
   * watchdog thread writes while the main thread, which holds the readings, is blocked.
   */
  readings?: Record<string, number[]>;
  /** The limits readings are measured against; absent from watchdog dumps. */
  limits?: Limits;
  /** Sampling interval and window in force; absent from watchdog dumps. */
  interval?: number;
  window?: number;
  pid: number;
  hostname: string;
  node: string;
  /** ISO times: when the rule fired and when the dump was complete. */
  startTime: string;
  endTime: string;
  /** Facts from the dumper (profiler backend, sample count, snapshot stall…). */
  details: Record<string, unknown>;
  /**
   * What the dump points at, in short: top functions by self time (CPU), top allocation sites (heap profile), top
   * handle type and its creation stack (handles), the blocking frame (block). Absent from heap snapshots and reports.
   */
  culprit?: Culprit;
}

/** A dump and its meta file, both complete under their final names. */
export interface WrittenDump {
  /** Absolute path of the dump. */
  file: string;
  /** Absolute path of the `.meta.json` beside it. */
  metaFile: string;
  meta: DumpMeta;
}

/** Host facts recorded in every meta file. */
export function hostFacts(): { pid: number; hostname: string; node: string } {
  return { pid: process.pid, hostname: hostname(), node: process.version };
}

/** A meta object with the host facts filled in. */
export function buildMeta(fields: Omit<DumpMeta, 'pid' | 'hostname' | 'node'>): DumpMeta {
  return { ...fields, ...hostFacts() };
}

/**
 * Writes `<baseName>.meta.json` beside a finished dump. A dump without its meta is not what operators are promised,
 * so when the meta cannot be written the dump is taken back and the error rethrown.
 */
export async function writeMeta(dir: DumpDir, baseName: string, dumpFile: string, meta: DumpMeta): Promise<WrittenDump> {
  try {
    const metaFile = await dir.writeFile(`${baseName}.${META_EXTENSION}`, JSON.stringify(meta, null, 2));
    return { file: dumpFile, metaFile, meta };
  } catch (error) {
    await unlink(dumpFile).catch(() => undefined);
    throw error;
  }
}
