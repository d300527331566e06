import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CHILD_FLAGS } from './run-child.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/limits.mjs', import.meta.url));
const MB = 2 ** 20;

/** This process's own directory of a v1 controller, from /proc/self/cgroup (the machines here run cgroup v1). */
function ownV1Dir(controller: string): string {
  const line = readFileSync('/proc/self/cgroup', 'utf8').split('\n')
    .find((entry) => entry.split(':')[1]?.split(',').includes(controller));
  if (!line) throw new Error(`no cgroup v1 ${controller} controller in /proc/self/cgroup: this test needs the v1 hierarchy these machines run`);
  return join('/sys/fs/cgroup', controller, line.split(':')[2]!);
}

const created: string[] = [];
afterAll(() => {
  for (const dir of created.reverse()) {
    try {
      rmdirSync(dir);
    } catch {
      // still has a process in it, or already gone
    }
  }
});

describe('a real cgroup v1 with a memory limit and a CPU quota', () => {
  it('is detected, and a burning process reads about 100 % of its half-core quota', () => {
    const name = `holmes-test-${process.pid}`;
    const memory = join(ownV1Dir('memory'), name);
    const cpu = join(ownV1Dir('cpu'), name);
    for (const dir of [memory, cpu]) {
      mkdirSync(dir);
      created.push(dir);
    }
    writeFileSync(join(memory, 'memory.limit_in_bytes'), String(256 * MB));
    writeFileSync(join(cpu, 'cpu.cfs_period_us'), '100000');
    writeFileSync(join(cpu, 'cpu.cfs_quota_us'), '50000');
    // the shell joins both cgroups, then becomes the Node child
    const out = execFileSync('sh', ['-c', `echo $$ > ${memory}/cgroup.procs && echo $$ > ${cpu}/cgroup.procs && exec "$0" "$@"`,
      process.execPath, ...CHILD_FLAGS, FIXTURE], { encoding: 'utf8', timeout: 60_000 });
    const { limits, readings } = JSON.parse(out.trim().split('\n').at(-1)!);
    expect(limits).toMatchObject({ memoryBytes: 256 * MB, memorySource: 'cgroup', cpuCores: 0.5, cpuSource: 'cgroup', cgroupVersion: 1 });
    // 100 = the whole quota: the child burns one core's worth but is throttled to half a core
    expect(readings.cpu.value).toBeGreaterThan(60);
    expect(readings.cpu.value).toBeLessThan(130);
    // RSS as a percent of 256 MB, not of the machine's memory
    expect(readings.memory.value).toBeGreaterThan(5);
  });
});
