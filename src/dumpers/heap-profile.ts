import { CaptureAbandoned, sleep } from './cpu-profile.js';
import { InspectorSession } from './inspector-session.js';

/** A sampling heap profile in the DevTools `.heapprofile` format. */
export interface HeapProfile {
  head: HeapProfileNode;
  samples?: Array<{ size: number; nodeId: number; ordinal: number }>;
}

export interface HeapProfileNode {
  callFrame: { functionName: string; scriptId: string; url: string; lineNumber: number; columnNumber: number };
  selfSize: number;
  id: number;
  children: HeapProfileNode[];
}

/** Average bytes between samples: V8's default, cheap enough to leave on for seconds. */
export const HEAP_SAMPLING_INTERVAL_BYTES = 32 * 1024;

/**
 * Samples allocations for `durationMs` with V8's sampling heap profiler and returns what is still live:
 * where a leak allocates, at a small fraction of a snapshot's cost and without its stall.
 * When `signal` aborts, sampling stops and {@link CaptureAbandoned} is thrown.
 */
export async function captureHeapProfile(durationMs: number, signal: AbortSignal): Promise<HeapProfile> {
  const session = new InspectorSession();
  try {
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', { samplingInterval: HEAP_SAMPLING_INTERVAL_BYTES });
    await sleep(durationMs, signal);
    const { profile } = await session.post<{ profile: HeapProfile }>('HeapProfiler.stopSampling');
    if (signal.aborted) throw new CaptureAbandoned();
    return profile;
  } finally {
    session.close();
  }
}
