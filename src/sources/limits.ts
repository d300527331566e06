import { totalmem } from 'node:os';
import { readCgroupLimits, type CgroupLimits } from './cgroup.js';

/** Overrides of the limits holmes-node detects from the cgroup and the machine. */
export interface LimitsOptions {
  /** CPU the process may use, in cores. Default: the cgroup quota, else unlimited. */
  cpuCores?: number;
  /** Memory limit in bytes. Default: the cgroup limit, else total memory. */
  memoryBytes?: number;
}

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
