import { captureHeapProfile } from '../dumpers/heap-profile.js';
import type { GcRuleOptions } from '../options.js';
import type { GcSource } from '../sources/gc.js';
import type { RuleKind } from './kind.js';
import { writeProfile } from './write-profile.js';

/**
 * GC rule: on fire, a sampling heap profile of the next `profileDuration` ms shows what allocates so much. The meta
 * also gets the heap left after the last major GC (the live set, holmes' "GC heap"), to tell churn from growth.
 */
export function gcRule(gc: GcSource): RuleKind<GcRuleOptions> {
  return {
    async dump(context, config) {
      const heapAfterMajorGc = gc.heapAfterMajorGc;
      const profile = await captureHeapProfile(config.profileDuration, context.signal);
      const output = await writeProfile(context, 'heap', profile);
      return { ...output, details: { ...output.details, heapAfterMajorGcBytes: heapAfterMajorGc } };
    },
  };
}
