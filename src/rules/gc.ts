import { captureHeapProfile } from '../dumpers/heap-profile.js';
import type { GcRuleOptions } from '../options.js';
import type { RuleKind } from './kind.js';
import { writeProfile } from './write-profile.js';

/** GC rule: on fire, a sampling heap profile of the next `profileDuration` ms shows what allocates so much. */
export const gcRule: RuleKind<GcRuleOptions> = {
  async dump(context, config) {
    const profile = await captureHeapProfile(config.profileDuration, context.signal);
    return writeProfile(context, 'heap', profile);
  },
};
