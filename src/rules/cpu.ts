import { captureCpuProfile } from '../dumpers/cpu-profile.js';
import type { CpuRuleOptions, EventLoopRuleOptions } from '../options.js';
import type { RuleKind } from './kind.js';
import { writeProfile } from './write-profile.js';

/**
 * CPU rule, and the event-loop rule: on fire, profile the next `profileDuration` ms and write a CPU profile; with the
 * flight recorder on, the profile also holds the 5–10 s before the trigger.
 */
export const cpuRule: RuleKind<CpuRuleOptions | EventLoopRuleOptions> = {
  async dump(context, config) {
    const { recorder, signal, logger } = context;
    const captured = recorder?.active
      ? await recorder.capture(config.profileDuration, signal)
      : { ...(await captureCpuProfile(config.profileDuration, signal, logger)), beforeTriggerMs: 0 };
    const { profile, backend, beforeTriggerMs } = captured;
    const output = await writeProfile(context, 'cpu', profile);
    return {
      ...output,
      details: {
        ...output.details, profiler: backend, samples: profile.samples.length, profileDuration: config.profileDuration,
        flightRecorder: recorder?.active === true, beforeTriggerMs,
      },
    };
  },
};
