import type { Milliseconds } from '../config/spec.js';
import { dumpCpuProfile } from '../dumpers/cpu-dump.js';
import { EventLoopDelaySource } from '../sources/event-loop.js';
import { profileDurationOption } from './cpu.js';
import { sampledRule, type RuleOptions } from './define.js';

/** Options of the event-loop rule beyond the thresholds (the watchdog's `block` is declared by rules/block.ts). */
export interface EventLoopOptions {
  /** Length of the CPU profile taken when the rule fires, in ms. Default 5000. */
  profileDuration: Milliseconds;
}

/** Event-loop rule: p99 event-loop delay over the interval, in ms. */
export type EventLoopDelayRuleOptions = RuleOptions & EventLoopOptions;

/** Event loop: a slow loop is code running too long on it, so it dumps what the CPU rule dumps, a CPU profile. */
export const eventLoopRule = sampledRule<'eventLoop', EventLoopOptions, EventLoopDelaySource>({
  name: 'eventLoop',
  section: 'eventLoop',
  trigger: 'sampled',
  description: 'p99 event-loop delay over the interval, ms; dumps a CPU profile',
  unit: ' ms',
  // a healthy loop's p99 delay is a few ms; 50 ms is felt by every request
  thresholds: { min: 50, diff: 100, abs: 500 },
  options: { profileDuration: profileDurationOption },
  formats: ['cpuprofile', 'pprof'],
  source: () => new EventLoopDelaySource(),
  dump: (context, config) => dumpCpuProfile(context, config.profileDuration),
});
