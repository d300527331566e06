import { totalmem } from 'node:os';
import type { LimitsOptions } from '../config/options.js';
import { readCgroupLimits, type CgroupLimits } from './cgroup.js';

/** The limits readings are measured against, and where each came from. */
export interface Limits {
  /** CPU the process may use, in cores; null when unlimited. */
  cpuCores: number | null;
  /** Memory limit in bytes. */
  memoryBytes: number;
  cpuSource: 'option' | 'cgroup' | 'none';
  memorySource: 'option' | 'cgroup' | 'machine';
  cgroupVersion: 1 | 2 | null;
}

/** Combines overrides, the cgroup and the machine: an override wins, else the tighter of cgroup and machine memory. */
export function detectLimits(overrides: LimitsOptions, cgroup: CgroupLimits = readCgroupLimits()): Limits {
  const machine = totalmem();
  const cgroupMemory = cgroup.memoryBytes !== null && cgroup.memoryBytes < machine ? cgroup.memoryBytes : null;
  return {
    cpuCores: overrides.cpuCores ?? cgroup.cpuCores,
    cpuSource: overrides.cpuCores !== undefined ? 'option' : cgroup.cpuCores !== null ? 'cgroup' : 'none',
    memoryBytes: overrides.memoryBytes ?? cgroupMemory ?? machine,
    memorySource: overrides.memoryBytes !== undefined ? 'option' : cgroupMemory !== null ? 'cgroup' : 'machine',
    cgroupVersion: cgroup.version,
  };
}
