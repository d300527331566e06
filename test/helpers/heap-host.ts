/**
 * A {@link Host} watched by the memory rule alone, as the heap tests start it: cpu and handles off, quick readings
 * (every 50 ms, a window of 1), one dump and then a long cooldown. The memory rule is armed but out of reach, so the
 * always-on heap profiler runs until a test lowers the thresholds (`set {"memory":{"min":0,"abs":0}}`).
 */
import { Host, type StartOptions } from './child.js';

/** Memory thresholds the reading cannot reach (RSS at 100 % of the limit): the rule is on, so the profiler runs. */
export const ARMED_NOT_FIRING = { min: 100, diff: 0, abs: 100 };

/** The options every heap test shares; `overrides` replace them key by key. */
export const HEAP_HOST = { interval: 50, window: 1, cooldown: 60_000, cpu: false, handles: false, memory: ARMED_NOT_FIRING } as const;

/** Starts a host with {@link HEAP_HOST} and these overrides (a dump directory at least); resolves once it serves. */
export function heapHost(overrides: { dumpDir: string } & Record<string, unknown>, start: Pick<StartOptions, 'nodeArgs' | 'env'> = {}): Promise<Host> {
  return Host.start({ ...HEAP_HOST, ...overrides }, start);
}
