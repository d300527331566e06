import type { Logger } from '../logger.js';
import { attributionOf, startCpuProfiler, type Attribution, type CpuProfile } from './profiler/index.js';

/** Sampling interval of triggered profiles: 1 ms, fine enough for a few seconds of capture. */
export const PROFILE_SAMPLING_MICROS = 1000;

/** Raised when a capture is abandoned (stop() was called); no file is written. */
export class CaptureAbandoned extends Error {
  constructor() {
    super('capture abandoned');
    this.name = 'CaptureAbandoned';
  }
}

/** Waits `ms` on an unref'd timer, ending early when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    timer.unref();
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Profiles the CPU for the next `durationMs`. Returns the DevTools profile, which backend took it and how far its
 * function names can be trusted.
 * When `signal` aborts, the profiler is stopped and {@link CaptureAbandoned} is thrown.
 */
export async function captureCpuProfile(
  durationMs: number,
  signal: AbortSignal,
  logger: Logger,
): Promise<{ profile: CpuProfile; backend: string; attribution: Attribution }> {
  const profiler = await startCpuProfiler(PROFILE_SAMPLING_MICROS, logger);
  const attribution = attributionOf(profiler, logger);
  await sleep(durationMs, signal);
  if (signal.aborted) {
    await profiler.discard();
    throw new CaptureAbandoned();
  }
  return { profile: await profiler.stop(), backend: profiler.backend, attribution };
}
