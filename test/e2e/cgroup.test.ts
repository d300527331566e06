import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runNodeInCgroups, v1Cgroup } from '../helpers/cgroup.js';
import { fixture } from '../helpers/child.js';
import { cgroupV1, requires, root } from '../helpers/requirements.js';

const MB = 2 ** 20;

describe('a real cgroup v1 with a memory limit and a CPU quota', () => {
  it('is detected, and a burning process reads about 100 % of its half-core quota', (ctx) => {
    requires(ctx, root, cgroupV1);
    const memory = v1Cgroup('memory', 'holmes-test');
    const cpu = v1Cgroup('cpu', 'holmes-test');
    writeFileSync(join(memory, 'memory.limit_in_bytes'), String(256 * MB));
    writeFileSync(join(cpu, 'cpu.cfs_period_us'), '100000');
    writeFileSync(join(cpu, 'cpu.cfs_quota_us'), '50000');
    const out = runNodeInCgroups([memory, cpu], fixture('limits.mjs'));
    const { limits, readings, measured } = JSON.parse(out.trim().split('\n').at(-1)!);
    expect(limits).toMatchObject({ memoryBytes: 256 * MB, memorySource: 'cgroup', cpuCores: 0.5, cpuSource: 'cgroup', cgroupVersion: 1 });
    // The child burns one core's worth but is throttled to half a core: what it got, as a share of one core, is at
    // most the quota (less on a loaded machine, so the reading is judged against what it really got).
    const coreShare = measured.cpuMicros / measured.wallMicros;
    expect(coreShare).toBeGreaterThan(0.05);
    expect(coreShare).toBeLessThan(0.6);
    // 100 = the whole quota: the reading is the CPU it got over the half core it may use, not over one core or two
    expect(readings.cpu.value).toBeGreaterThan(0.9 * 200 * coreShare);
    expect(readings.cpu.value).toBeLessThan(1.1 * 200 * coreShare);
    // RSS as a percent of 256 MB, not of the machine's memory
    expect(readings.memory.value).toBeGreaterThan(5);
  });
});
