import { booleanOption, numberOption } from '../config/spec.js';
import { handlesCulprit } from '../dumpers/culprit.js';
import { collectHandles } from '../dumpers/handles.js';
import { HandlesSource } from '../sources/handles.js';
import { sampledRule, type RuleOptions } from './define.js';

/** Options of the handles rule beyond the thresholds. */
export interface HandlesOptions {
  /** Above this count the dump is skipped and logged, since listing that many costs too much; 0 = no ceiling. Default 50,000. */
  max: number;
  /** Record the stack that created each async resource (async_hooks), so the dump shows who leaked. Costs a stack capture per resource. Default false. */
  trackStacks: boolean;
}

/** Handles rule: count of active handles and requests (sockets, timers, servers, fs requests…). */
export type HandlesRuleOptions = RuleOptions & HandlesOptions;

/** Handles: on fire, write a `.handles.json` async-resource profile; above `max`, log and skip. */
export const handlesRule = sampledRule<'handles', HandlesOptions, HandlesSource>({
  name: 'handles',
  section: 'handles',
  trigger: 'sampled',
  description: 'active handles + requests (sockets, timers, servers, fs requests…); dumps an async-resource profile',
  unit: '',
  // an idle service holds tens of handles and a busy one hundreds; a leak shows as a jump far above that
  thresholds: { min: 100, diff: 50, abs: 10_000 },
  options: { max: numberOption(50_000, 0, 1e9, 'count', { integer: true }), trackStacks: booleanOption(false) },
  formats: ['handles'],
  source: () => new HandlesSource(),
  veto: (value, config) => (config.max > 0 && value > config.max ? `${value} handles is above handles.max (${config.max})` : null),
  async dump({ dir, baseName, ready }, _config, source) {
    const dump = collectHandles(source.tracker);
    await ready();
    const file = await dir.writeFile(`${baseName}.handles.json`, JSON.stringify(dump, null, 1));
    const culprit = handlesCulprit(dump);
    return { file, details: { total: dump.total, byType: dump.byType, trackStacks: dump.stacks !== null }, ...(culprit ? { culprit } : {}) };
  },
});
