import { memoryRule } from './memory.js';

/** Heap rule: V8 heap near its limit. Dumps like the memory rule: a snapshot when affordable, else a heap profile. */
export const heapRule = memoryRule;
