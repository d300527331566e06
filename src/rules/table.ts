import { blockRule } from './block.js';
import { cpuRule } from './cpu.js';
import { eventLoopRule } from './event-loop.js';
import { gcRule } from './gc.js';
import { handlesRule } from './handles.js';
import { heapRule } from './heap.js';
import { memoryRule } from './memory.js';

/**
 * Every rule holmes-node runs, in evaluation order. Options, defaults, validation, the meta's units and the CLI's
 * list of kinds are derived from this table: adding a rule is one file in `rules/` and one line here.
 */
export const RULES = [cpuRule, memoryRule, handlesRule, eventLoopRule, heapRule, gcRule, blockRule] as const;
