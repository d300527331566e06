import type { Logger } from '../../logger.js';
import { InspectorCpuProfiler } from './inspector.js';
import type { Attribution, CpuProfiler } from './types.js';
import { NativeCpuProfiler, addonLoadError, eagerProfilerError, ensureEagerProfiler, loadAddon } from './native.js';

export type { Attribution, CpuProfile, CpuProfiler } from './types.js';

const MAJOR = Number(process.versions.node.split('.')[0]);
/** From Node 22 on, a lazily-logging profiler started late misnames hot functions (docs/research, FACTS). */
const LATE_MISNAMES = MAJOR >= 22;

const FIX =
  'let holmes-node build its addon (`npm rebuild holmes-node`, with install scripts on; it needs python3, make, a ' +
  'C++ compiler and the Node headers) and start holmes-node at process start';

// Module-level: once per process, whatever the number of Holmes instances and start/stop cycles.
let reportedMissing = false;
let warnedLate = false;

/**
 * Called when holmes-node starts with a CPU-profiling rule on: loads the addon and creates its eager profiler now,
 * before the service's code gets hot (10–40 ms of CPU and 1–5 MB of RSS, once: BENCHMARKS.md), and says once why profiles will be taken another way.
 */
export function prepareCpuProfiler(logger: Logger): void {
  if (ensureEagerProfiler()) return;
  if (!loadAddon()) reportMissing(logger);
  else if (!warnedLate) {
    warnedLate = true;
    const message = `the native profiler addon loaded but its eager profiler could not be created (${firstLine(eagerProfilerError())})`;
    if (LATE_MISNAMES) logger.warn(`${message}: ${LATE_CAUSE}`);
    else logger.info(message);
  }
}

const LATE_CAUSE = `on Node ${process.versions.node} a CPU profile started late may charge a hot function that runs inlined or on-stack-replaced code to its caller`;

function reportMissing(logger: Logger): void {
  if (reportedMissing) return;
  reportedMissing = true;
  const message = `the native profiler addon is not available (${firstLine(addonLoadError())}); using node:inspector`;
  if (!LATE_MISNAMES) {
    logger.info(message);
    return;
  }
  warnedLate = true;
  logger.warn(`${message}: ${LATE_CAUSE}; to fix it, ${FIX}`);
}

/** How a profile from `profiler` names its functions (see {@link Attribution}); warns once when that may mislead. */
export function attributionOf(profiler: CpuProfiler, logger: Logger): Attribution {
  if (profiler.eager) return 'eager';
  if (LATE_MISNAMES && !warnedLate) {
    warnedLate = true;
    logger.warn(`CPU profile taken by ${profiler.backend} without an eager profiler: ${LATE_CAUSE}; to fix it, ${FIX}`);
  }
  return 'late';
}

/**
 * Starts a CPU profiler: holmes-node's native addon when it loads, else Node's built-in inspector.
 * When the first choice fails to start, the other is tried, and the log says so.
 */
export async function startCpuProfiler(samplingIntervalMicros: number, logger: Logger): Promise<CpuProfiler> {
  const addon = loadAddon();
  const candidates: CpuProfiler[] = [];
  if (addon) candidates.push(new NativeCpuProfiler(addon));
  else reportMissing(logger);
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
