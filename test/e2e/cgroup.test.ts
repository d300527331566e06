import { mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHILD_FLAGS, defer, EXIT_MS, fixture, runOk } from '../helpers/child.js';
import { cgroupV1, ownCgroupV1Dir, requires, root } from '../helpers/requirements.js';

const MB = 2 ** 20;

/** This process's own directory of a v1 controller (the requirement `cgroupV1` checked it is there). */
function ownV1Dir(controller: string): string {
  const dir = ownCgroupV1Dir(controller);
  if (!dir) throw new Error(`no cgroup v1 ${controller} controller in /proc/self/cgroup`);
  return dir;
}

describe('a real cgroup v1 with a memory limit and a CPU quota', () => {
  it('is detected, and a burning process reads about 100 % of its half-core quota', (ctx) => {
    requires(ctx, root, cgroupV1);
    const name = `holmes-test-${process.pid}`;
    const memory = join(ownV1Dir('memory'), name);
    const cpu = join(ownV1Dir('cpu'), name);
    for (const dir of [memory, cpu]) {
      mkdirSync(dir);
      defer(() => {
        try {
          rmdirSync(dir);
        } catch {
          // still has a process in it, or already gone
        }
      });
    }
    writeFileSync(join(memory, 'memory.limit_in_bytes'), String(256 * MB));
    writeFileSync(join(cpu, 'cpu.cfs_period_us'), '100000');
    writeFileSync(join(cpu, 'cpu.cfs_quota_us'), '50000');
    // the shell joins both cgroups, then becomes the Node child
    const out = runOk(
      'sh',
      ['-c', `echo $$ > ${memory}/cgroup.procs && echo $$ > ${cpu}/cgroup.procs && exec "$0" "$@"`, process.execPath, ...CHILD_FLAGS, fixture('limits.mjs')],
      { timeoutMs: EXIT_MS },
    );
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
