import { AsyncStackTracker } from '../dumpers/async-stacks.js';
import type { Source, SourceSettings } from '../rules/define.js';

/** Handles reading: the number of active handles and requests (sockets, servers, timers, fs requests…). */
export function countActiveResources(): number {
  return process.getActiveResourcesInfo().length;
}

/** Count of active resources by type name (`Timeout`, `TCPSocketWrap`, `FSReqCallback`…). */
export function activeResourcesByType(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

interface TrackingConfig {
  enabled: boolean;
  trackStacks: boolean;
}

/** The handles source: the count, plus the async hook that records creation stacks while `trackStacks` is on. */
export class HandlesSource implements Source<TrackingConfig> {
  readonly tracker = new AsyncStackTracker();

  read(): number {
    return countActiveResources();
  }

  apply({ on, config }: SourceSettings<TrackingConfig>): void {
    if (on && config.enabled && config.trackStacks) this.tracker.start();
    else this.tracker.stop();
  }
}
