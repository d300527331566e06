import type { Milliseconds } from '../config/spec.js';
import type { DumpContext, DumpOutput } from '../rules/define.js';
import { captureCpuProfile } from './cpu-profile.js';
import { eagerProfilerSince } from './profiler/native.js';
import { writeProfile } from './write-profile.js';

/**
 * The dump of the CPU and event-loop rules: profile the next `profileDuration` ms and write a CPU profile; with the
 * flight recorder on, the profile also holds the 5–10 s before the trigger.
 */
export async function dumpCpuProfile(context: DumpContext, profileDuration: Milliseconds): Promise<DumpOutput> {
  const { recorder, signal, logger } = context;
  const captured = recorder?.active
    ? await recorder.capture(profileDuration, signal)
    : { ...(await captureCpuProfile(profileDuration, signal, logger)), beforeTriggerMs: 0 };
  const { profile, backend, attribution, beforeTriggerMs } = captured;
  const output = await writeProfile(context, 'cpu', profile);
  const since = eagerProfilerSince();
  return {
    ...output,
    details: {
      ...output.details,
      profiler: backend,
      samples: profile.samples.length,
      profileDuration,
      flightRecorder: recorder?.active === true,
      beforeTriggerMs,
      // names in the profile are right for code optimized after this process uptime (see Attribution)
      attribution,
      ...(attribution === 'eager' && since !== undefined ? { eagerSinceUptimeMs: Math.round(since) } : {}),
    },
  };
}
