import { cpuRule } from './cpu.js';

/** Event-loop rule: a slow loop is code running too long on it, so it dumps what the CPU rule dumps: a CPU profile. */
export const eventLoopRule = cpuRule;
