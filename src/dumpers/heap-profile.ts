import type { DumpContext, DumpOutput } from '../rules/define.js';
import type { HeapSampler } from './heap-sampler.js';
import { writeProfile } from './write-profile.js';

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

/**
 * Default average bytes between samples of the always-on profiler: `node --heap-prof`'s default, where a profiler
 * left running costs within the noise (BENCHMARKS.md). Also the interval assumed for a host's profile in pprof.
 */
export const HEAP_SAMPLING_INTERVAL_BYTES = 512 * 1024;

/** Samples in a profile (a profile from an older V8 without `samples` counts its nodes with live bytes). */
export function sampleCount(profile: HeapProfile): number {
  if (profile.samples) return profile.samples.length;
  let count = 0;
  const pending = [profile.head];
  for (let node = pending.pop(); node; node = pending.pop()) {
    if (node.selfSize > 0) count++;
    pending.push(...node.children);
  }
  return count;
}

/**
 * Writes the live heap by allocation site from the always-on sampling heap profiler, at once: no sampling wait, no
 * stall. A profile with no samples is never written: returns the reason instead.
 */
export async function writeLiveHeapProfile(context: DumpContext, sampler: HeapSampler | undefined): Promise<DumpOutput | string> {
  if (!sampler?.active) return 'no sampling heap profiler is running (the memory, heap and gc rules are all off, or it failed to start: see the error event)';
  const rssBefore = process.memoryUsage.rss();
  let live: ReturnType<HeapSampler['profile']>;
  try {
    live = sampler.profile();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  const samples = sampleCount(live.profile);
  if (samples === 0) return 'the sampling heap profile has no samples yet (too little allocated since sampling began); nothing written';
  const output = await writeProfile(context, 'heap', live.profile, live.intervalBytes ?? HEAP_SAMPLING_INTERVAL_BYTES);
  const profiler = live.owner === 'host' ? "the host's sampling heap profiler (left running)" : 'holmes-node';
  const rss = { rssBeforeBytes: rssBefore, rssAfterBytes: process.memoryUsage.rss() };
  return { ...output, details: { ...output.details, samples, profiler, samplingIntervalBytes: live.intervalBytes, ...rss } };
}
