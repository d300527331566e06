import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  cgroupDirs,
  parseCpuMax,
  parseMemoryLimit,
  parseMountInfo,
  parseProcCgroup,
  parseV1Quota,
  readCgroupLimits,
  type CgroupLimits,
} from '../../src/sources/cgroup.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/cgroup/', import.meta.url));
const fixture = (name: string): string => join(FIXTURES, name);

describe('parseProcCgroup', () => {
  it('parses v1, combined, named and v2 lines and skips junk', () => {
    const text = [
      '4:memory:/process_api/7ffc',
      '2:cpu,cpuacct:/docker/abc',
      '9:name=systemd:/',
      '0::/system.slice/a:b.service',
      'junk',
      'x:memory:/a',
      '3:cpu:relative',
      '',
    ].join('\n');
    expect(parseProcCgroup(text)).toEqual([
      { id: 4, controllers: ['memory'], path: '/process_api/7ffc' },
      { id: 2, controllers: ['cpu', 'cpuacct'], path: '/docker/abc' },
      { id: 9, controllers: ['name=systemd'], path: '/' },
      { id: 0, controllers: [], path: '/system.slice/a:b.service' },
    ]);
  });
});

describe('parseMountInfo', () => {
  it('reads root, mount point, fs type and super options across optional fields', () => {
    const text = [
      '34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
      '705 700 0:34 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro,relatime master:16 shared:3 - cgroup cgroup rw,cpu,cpuacct',
      '40 30 0:37 / /mnt/with\\040space rw - cgroup2 cgroup2 rw,nsdelegate',
      'too short',
      '1 2 3 4 5 6 no separator here',
    ].join('\n');
    expect(parseMountInfo(text)).toEqual([
      { root: '/', mountPoint: '/sys/fs/cgroup/memory', fsType: 'cgroup', superOptions: ['rw', 'memory'] },
      {
        root: '/docker/abc',
        mountPoint: '/sys/fs/cgroup/cpu,cpuacct',
        fsType: 'cgroup',
        superOptions: ['rw', 'cpu', 'cpuacct'],
      },
      { root: '/', mountPoint: '/mnt/with space', fsType: 'cgroup2', superOptions: ['rw', 'nsdelegate'] },
    ]);
  });
});

describe('parseMemoryLimit', () => {
  it.each([
    ['536870912\n', 536870912],
    ['1073741824', 1073741824],
    ['max\n', null],
    ['9223372036854771712\n', null],
    [String(2 ** 60), null],
    [String(2 ** 60 - 4096), 2 ** 60 - 4096],
    ['0', null],
    ['-1', null],
    ['12abc', null],
    ['', null],
  ])('%j -> %j', (text, expected) => {
    expect(parseMemoryLimit(text)).toBe(expected);
  });
});

describe('parseV1Quota', () => {
  it.each([
    ['50000\n', '100000\n', 0.5],
    ['200000', '100000', 2],
    ['150000', '100000', 1.5],
    ['-1', '100000', null],
    ['50000', '0', null],
    ['9223372036854771712', '100000', null],
    ['abc', '100000', null],
    ['50000', '', null],
  ])('%j / %j -> %j', (quota, period, expected) => {
    expect(parseV1Quota(quota, period)).toBe(expected);
  });
});

describe('parseCpuMax', () => {
  it.each([
    ['50000 100000\n', 0.5],
    ['250000 100000', 2.5],
    ['max 100000\n', null],
    ['max', null],
    ['50000', null],
    ['foo bar', null],
    ['', null],
  ])('%j -> %j', (text, expected) => {
    expect(parseCpuMax(text)).toBe(expected);
  });
});

describe('cgroupDirs', () => {
  const root = fixture('v1-nested');
  const mount = { root: '/', mountPoint: '/sys/fs/cgroup/memory', fsType: 'cgroup', superOptions: ['rw', 'memory'] };
  const base = join(root, 'sys/fs/cgroup/memory');

  it('walks from the own cgroup up to the mount point', () => {
    expect(cgroupDirs(root, mount, '/process_api/7ffcb08cef17a18a925ef0a23b515443')).toEqual([
      join(base, 'process_api/7ffcb08cef17a18a925ef0a23b515443'),
      join(base, 'process_api'),
      base,
    ]);
  });

  it('strips the mount root prefix', () => {
    const r = fixture('v2-prefix');
    const m = { root: '/kubepods.slice/kubepods-pod1.slice', mountPoint: '/sys/fs/cgroup', fsType: 'cgroup2', superOptions: ['rw'] };
    const b = join(r, 'sys/fs/cgroup');
    expect(cgroupDirs(r, m, '/kubepods.slice/kubepods-pod1.slice/cri-containerd-ab12.scope')).toEqual([join(b, 'cri-containerd-ab12.scope'), b]);
    expect(cgroupDirs(r, m, '/kubepods.slice/kubepods-pod1.slice')).toEqual([b]);
  });

  it('falls back to the mount point when the directory is missing or the path is outside the mount root', () => {
    expect(cgroupDirs(root, mount, '/not/here')).toEqual([base]);
    expect(cgroupDirs(root, { ...mount, root: '/other' }, '/process_api')).toEqual([base]);
    // '/othersuffix' is not under '/other'
    expect(cgroupDirs(root, { ...mount, root: '/other' }, '/othersuffix')).toEqual([base]);
  });
});

describe('readCgroupLimits on fixture trees', () => {
  it.each<[string, CgroupLimits]>([
    // memory limit on the parent of the process's cgroup; cpu quota -1
    ['v1-nested', { version: 1, memoryBytes: 536870912, cpuCores: null }],
    // Docker without cgroupns: mount root equals the cgroup path, cpu,cpuacct combined
    ['v1-cpu-quota', { version: 1, memoryBytes: 268435456, cpuCores: 0.5 }],
    // cgroup path not visible under the mount: limits read from the mount point
    ['v1-fallback', { version: 1, memoryBytes: 402653184, cpuCores: 1.5 }],
    // memory on the parent slice (child is higher), cpu on the service (parent is max)
    ['v2-limits', { version: 2, memoryBytes: 1073741824, cpuCores: 1.5 }],
    ['v2-max', { version: 2, memoryBytes: null, cpuCores: null }],
    // private cgroup namespace: '0::/'
    ['v2-namespace', { version: 2, memoryBytes: 536870912, cpuCores: 2 }],
    // mount root is a prefix of the cgroup path
    ['v2-prefix', { version: 2, memoryBytes: 805306368, cpuCores: 0.25 }],
    // v1 controllers win over the controller-less v2 tree
    ['hybrid', { version: 1, memoryBytes: 1073741824, cpuCores: 2 }],
    ['garbage', { version: 1, memoryBytes: null, cpuCores: null }],
    ['missing', { version: null, memoryBytes: null, cpuCores: null }],
    ['does-not-exist', { version: null, memoryBytes: null, cpuCores: null }],
  ])('%s', (name, expected) => {
    expect(readCgroupLimits(fixture(name))).toEqual(expected);
  });
});

describe('readCgroupLimits on this machine', () => {
  it('does not throw and returns the documented shape', () => {
    const limits = readCgroupLimits();
    expect(Object.keys(limits).sort()).toEqual(['cpuCores', 'memoryBytes', 'version']);
    expect([1, 2, null]).toContain(limits.version);
    for (const v of [limits.memoryBytes, limits.cpuCores]) {
      expect(v === null || (typeof v === 'number' && Number.isFinite(v) && v > 0)).toBe(true);
    }
  });
});
