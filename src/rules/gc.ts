import { writeLiveHeapProfile } from '../dumpers/heap-profile.js';
import { GcSource } from '../sources/gc.js';
import { DumpSkipped, sampledRule, type RuleOptions } from './define.js';

/** Options of the GC rule beyond the thresholds: none. */
export type GcOptions = Record<never, never>;

/** GC rule: percent of time spent in GC pauses over the interval. */
export type GcRuleOptions = RuleOptions & GcOptions;

/**
 * GC: on fire, the live heap by allocation site from the always-on sampling heap profiler, at once, shows what
 * allocates what survives. The meta also gets the heap left after the last major GC (the live set, holmes' "GC
 * heap"), to tell churn from growth. The profiler is only read, never stopped: a host's own profile is left alone.
 */
export const gcRule = sampledRule<'gc', GcOptions, GcSource>({
  name: 'gc',
  section: 'gc',
  trigger: 'sampled',
  description: '% of time spent in GC pauses over the interval; dumps the live heap profile',
  unit: '%',
  // a healthy service spends a few percent in GC
  thresholds: { min: 10, diff: 100, abs: 50 },
  options: {},
  formats: ['heapprofile', 'pprof'],
  source: () => new GcSource(),
  async dump(context, _config, gc) {
    const heapAfterMajorGc = gc.heapAfterMajorGc;
    const output = await writeLiveHeapProfile(context, context.heapSampler);
    if (typeof output === 'string') throw new DumpSkipped(`gc: ${output}`);
    return { ...output, details: { ...output.details, heapAfterMajorGcBytes: heapAfterMajorGc } };
  },
});
