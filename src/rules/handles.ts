import type { AsyncStackTracker } from '../dumpers/async-stacks.js';
import { collectHandles } from '../dumpers/handles.js';
import type { HandlesRuleOptions } from '../options.js';
import type { RuleKind } from './kind.js';

/** Handles rule: on fire, write a `.handles.json` async-resource profile; above `max`, log and skip. */
export function handlesRule(tracker: AsyncStackTracker): RuleKind<HandlesRuleOptions> {
  return {
    veto(value, config) {
      return config.max > 0 && value > config.max ? `${value} handles is above handles.max (${config.max})` : null;
    },
    async dump({ dir, baseName, ready }) {
      const dump = collectHandles(tracker);
      await ready();
      const file = await dir.writeFile(`${baseName}.handles.json`, JSON.stringify(dump, null, 1));
      return { file, details: { total: dump.total, byType: dump.byType, trackStacks: dump.stacks !== null } };
    },
  };
}
