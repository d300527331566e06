import type { Logger } from '../../logger.js';
import { InspectorCpuProfiler } from './inspector.js';
import type { CpuProfiler } from './types.js';
import { NativeCpuProfiler, addonLoadError, loadAddon } from './v8-profiler-next.js';

export type { CpuProfile, CpuProfiler } from './types.js';

/**
 * Starts a CPU profiler: the `v8-profiler-next` addon when it loads, else Node's built-in inspector.
 * When the first choice fails to start, the other is tried, and the log says so.
 */
export async function startCpuProfiler(samplingIntervalMicros: number, logger: Logger): Promise<CpuProfiler> {
  const addon = loadAddon();
  const candidates: CpuProfiler[] = [];
  if (addon) candidates.push(new NativeCpuProfiler(addon));
  else logger.info(`v8-profiler-next is not available (${firstLine(addonLoadError())}); using node:inspector`);
  candidates.push(new InspectorCpuProfiler());
  let lastError: unknown;
  for (const profiler of candidates) {
    try {
      await profiler.start(samplingIntervalMicros);
      return profiler;
    } catch (error) {
      lastError = error;
      logger.warn(`CPU profiler ${profiler.backend} could not start (${firstLine(error)}); trying the next one`);
    }
  }
  throw lastError;
}

/** A require failure carries the whole require stack; the log needs its first line. */
function firstLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error).split('\n')[0]!;
}
