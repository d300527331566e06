import { captureCpuProfile } from '../dumpers/cpu-profile.js';
import type { CpuRuleOptions, EventLoopRuleOptions } from '../options.js';
import type { RuleKind } from './kind.js';
import { writeProfile } from './write-profile.js';

/** CPU rule, and the event-loop rule: on fire, profile the next `profileDuration` ms and write a CPU profile. */
export const cpuRule: RuleKind<CpuRuleOptions | EventLoopRuleOptions> = {
  async dump(context, config) {
    const { profile, backend } = await captureCpuProfile(config.profileDuration, context.signal, context.logger);
    const output = await writeProfile(context, 'cpu', profile);
    return { ...output, details: { ...output.details, profiler: backend, samples: profile.samples.length, profileDuration: config.profileDuration } };
  },
};
