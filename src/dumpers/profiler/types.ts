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

/**
 * Finishes a profile from the native addon, which builds it once, already in DevTools' shape (`native/profiler.cc`:
 * 0-based positions, scriptId strings, positionTicks): script paths become `file://` URLs, as `node:inspector`
 * names them, in place, so both backends write the same file.
 */
export function fromAddonProfile(profile: CpuProfile): CpuProfile {
  // inspector names files by URL, CommonJS included (V8's name for a CommonJS script is its path); a script's nodes
  // share its path: each is converted once
  const urls = new Map<string, string>();
  for (const { callFrame } of profile.nodes) {
    const path = callFrame.url;
    if (!path || !isAbsolute(path)) continue;
    let url = urls.get(path);
    if (url === undefined) {
      url = pathToFileURL(path).href;
      urls.set(path, url);
    }
    callFrame.url = url;
  }
  return profile;
}
