/** A CPU profile in the DevTools `.cpuprofile` format (what Chrome DevTools and speedscope open). */
export interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; scriptId: string | number; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
  positionTicks?: unknown[];
}

/** One CPU profiling session. Backends differ only in how they reach V8's profiler. */
export interface CpuProfiler {
  /** Which backend, for logs and meta. */
  readonly backend: 'v8-profiler-next' | 'inspector';
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
