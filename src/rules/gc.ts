import type { Milliseconds } from '../config/spec.js';
import { captureHeapProfile } from '../dumpers/heap-profile.js';
import { writeProfile } from '../dumpers/write-profile.js';
import { GcSource } from '../sources/gc.js';
import { profileDurationOption } from './cpu.js';
import { sampledRule, type RuleOptions } from './define.js';

/** Options of the GC rule beyond the thresholds. */
export interface GcOptions {
  /** Length of the sampling heap profile, in ms. Default 5000. */
  profileDuration: Milliseconds;
}

/** GC rule: percent of time spent in GC pauses over the interval. */
export type GcRuleOptions = RuleOptions & GcOptions;

/**
 * GC: on fire, a sampling heap profile of the next `profileDuration` ms shows what allocates so much. The meta also
 * gets the heap left after the last major GC (the live set, holmes' "GC heap"), to tell churn from growth.
 */
export const gcRule = sampledRule<'gc', GcOptions, GcSource>({
  name: 'gc',
  section: 'gc',
  trigger: 'sampled',
  description: '% of time spent in GC pauses over the interval; dumps a sampling heap profile',
  unit: '%',
  // a healthy service spends a few percent in GC
  thresholds: { min: 10, diff: 100, abs: 50 },
  options: { profileDuration: profileDurationOption },
  formats: ['heapprofile', 'pprof'],
  source: () => new GcSource(),
  async dump(context, config, gc) {
    const heapAfterMajorGc = gc.heapAfterMajorGc;
    const profile = await captureHeapProfile(config.profileDuration, context.signal);
    const output = await writeProfile(context, 'heap', profile);
    return { ...output, details: { ...output.details, heapAfterMajorGcBytes: heapAfterMajorGc } };
  },
});
