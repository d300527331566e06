import { captureCpuProfile } from '../dumpers/cpu-profile.js';
import type { CpuRuleOptions } from '../options.js';
import type { RuleKind } from './kind.js';

/** CPU rule: on fire, profile the next `profileDuration` ms and write a `.cpuprofile`. */
export const cpuRule: RuleKind<CpuRuleOptions> = {
  async dump({ dir, baseName, signal, logger }, config) {
    const { profile, backend } = await captureCpuProfile(config.profileDuration, signal, logger);
    const file = await dir.writeFile(`${baseName}.cpuprofile`, JSON.stringify(profile));
    return { file, details: { profiler: backend, samples: profile.samples.length, profileDuration: config.profileDuration } };
  },
};
