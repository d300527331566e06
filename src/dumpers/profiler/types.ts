import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A CPU profile in the DevTools `.cpuprofile` format (what Chrome DevTools and speedscope open). */
export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** One node of the call tree. Positions are DevTools': 0-based, -1 when unknown; `url` a `file://` URL for files. */
export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; scriptId: string | number; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
  /** Samples per source line of the function; lines are 1-based, as DevTools has them. */
  positionTicks?: Array<{ line: number; ticks: number }>;
}

/**
 * How far a profile's function names can be trusted, from how it was taken:
 * - `eager`: through the addon's profiler created in eager logging mode when holmes-node started, before the
 *   profile. It knows the code compiled since then, so functions running on-stack-replaced or inlined code are
 *   named (except what V8's profiler never expands: see the README).
 * - `late`: through a profiler created for this profile (`node:inspector`, or the addon without its eager
 *   profiler). On Node >= 22 a hot function running code optimized before the profile may be charged to its caller.
 */
export type Attribution = 'eager' | 'late';

/** One CPU profiling session. Backends differ only in how they reach V8's profiler. */
export interface CpuProfiler {
  /** Which backend, for logs and meta. */
  readonly backend: 'native' | 'inspector';
  /** Whether this session runs on the eager profiler created at start (see {@link Attribution}). */
  readonly eager: boolean;
  /** Starts sampling every `samplingIntervalMicros`. Throws when the profiler cannot start. */
  start(samplingIntervalMicros: number): Promise<void>;
  /** Stops sampling and returns the profile. */
  stop(): Promise<CpuProfile>;
  /** Stops sampling and discards the profile; never throws. */
  discard(): Promise<void>;
}

/** Keeps only the DevTools fields, whatever extras a backend adds (title, uid, typeId…). */
export function toDevtoolsProfile(raw: CpuProfile): CpuProfile {
  return { nodes: raw.nodes, startTime: raw.startTime, endTime: raw.endTime, samples: raw.samples, timeDeltas: raw.timeDeltas };
}

/** A profile as the native addon gives it (`native/profiler.cc`): V8's own conventions, not DevTools'. */
export interface AddonProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; scriptId: string | number; url: string; lineNumber: number; columnNumber: number };
    hitCount?: number;
    children?: number[];
    /** Per-line samples; `line` 1-based. */
    lineTicks?: Array<{ line: number; hitCount: number }>;
  }>;
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/**
 * Converts the addon's profile to what `node:inspector` gives for the same code, so both backends write the same
 * file: V8's `CpuProfileNode` positions are 1-based with 0 for "none" and DevTools' are 0-based with -1 (so minus
 * one, never below -1); script paths become `file://` URLs; `scriptId` a string; `lineTicks` become `positionTicks`.
 */
export function fromAddonProfile(raw: AddonProfile): CpuProfile {
  const nodes = raw.nodes.map((node): CpuProfileNode => {
    const { functionName, scriptId, url, lineNumber, columnNumber } = node.callFrame;
    const converted: CpuProfileNode = {
      id: node.id,
      callFrame: {
        functionName,
        scriptId: String(scriptId),
        url: fileUrl(url),
        lineNumber: Math.max(lineNumber - 1, -1),
        columnNumber: Math.max(columnNumber - 1, -1),
      },
      hitCount: node.hitCount ?? 0,
      children: node.children ?? [],
    };
    if (node.lineTicks?.length) converted.positionTicks = node.lineTicks.map(({ line, hitCount }) => ({ line, ticks: hitCount }));
    return converted;
  });
  return toDevtoolsProfile({ nodes, startTime: raw.startTime, endTime: raw.endTime, samples: raw.samples, timeDeltas: raw.timeDeltas });
}

/** Inspector names files by `file://` URL (CommonJS included); V8's script name is a plain path for CommonJS. */
function fileUrl(url: string): string {
  return url && isAbsolute(url) ? pathToFileURL(url).href : url;
}
