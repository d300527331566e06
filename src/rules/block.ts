import { numberOption, type Milliseconds } from '../config/spec.js';
import { BlockWatchdog } from '../watchdog/watchdog.js';
import { watchRule } from './define.js';

const MAX_BLOCK = 600_000;

/** The watchdog's option, in the `eventLoop` section. */
export interface BlockOptions {
  /**
   * Watchdog: when the loop has not turned for this many ms, a worker thread captures the stack of the code
   * blocking it, while it is still blocked. 0 = off (the default: it costs a worker thread); else 100 to 600,000.
   */
  block: Milliseconds;
}

/**
 * The blocked-loop watchdog: a worker thread sees the loop stand still for `eventLoop.block` ms and writes the stack
 * of the blocking code while it is still blocked (`.block.json`). It counts against `maxDumpsPerHour` like every dump.
 */
export const blockRule = watchRule<'block', 'eventLoop', BlockOptions>({
  name: 'block',
  section: 'eventLoop',
  trigger: 'watch',
  description: 'the loop has not turned for `eventLoop.block` ms (a worker thread watches); dumps the blocking stack, taken while still blocked',
  options: {
    block: numberOption(0, 0, MAX_BLOCK, 'ms', {
      integer: true,
      refine: (ms) => (ms === 0 || ms >= 100 ? null : `0 (off) or from 100 to ${MAX_BLOCK}`),
    }),
  },
  formats: ['block'],
  wanted: (config) => config.enabled && config.block > 0,
  watch: (env) => new BlockWatchdog(env),
});
