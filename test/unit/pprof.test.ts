import { go, goPprofTop } from '../helpers/go-pprof.js';
import { requires } from '../helpers/requirements.js';
import { tempDir } from '../helpers/child.js';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { cpuProfileToPprof, heapProfileToPprof } from '../../src/dumpers/pprof.js';
import type { CpuProfile } from '../../src/dumpers/profiler/types.js';
import type { HeapProfile } from '../../src/dumpers/heap-profile.js';

const HEAP_INTERVAL = 16 * 1024;

function burnForPprofTest(ms: number): number {
  let acc = 0;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    for (let i = 0; i < 10_000; i++) acc += Math.sqrt(i * acc + 1);
  }
  return acc;
}

const retained: unknown[] = [];
function allocateForPprofTest(): void {
  // Kept alive until the profile is taken: the sampling heap profile only reports live objects.
  for (let i = 0; i < 200_000; i++) retained.push({ i, payload: new Array(16).fill(i) });
}

async function captureCpu(): Promise<CpuProfile> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 1000 });
    await session.post('Profiler.start');
    burnForPprofTest(300);
    const { profile } = await session.post('Profiler.stop');
    return profile as CpuProfile;
  } finally {
    session.disconnect();
  }
}

async function captureHeap(): Promise<HeapProfile> {
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', { samplingInterval: HEAP_INTERVAL });
    allocateForPprofTest();
    const { profile } = await session.post('HeapProfiler.stopSampling');
    return profile as HeapProfile;
  } finally {
    session.disconnect();
  }
}

function decode(bytes: Uint8Array): Profile {
  return Profile.decode(gunzipSync(bytes));
}

/** Names of the sample types, in order. */
function sampleTypes(p: Profile): string[][] {
  return p.sampleType.map((t) => [p.stringTable.strings[Number(t.type)]!, p.stringTable.strings[Number(t.unit)]!]);
}

/** Every function name on some sample's stack, plus structural checks shared by both profiles. */
function checkStructure(p: Profile): Set<string> {
  const locations = new Map(p.location.map((l) => [Number(l.id), l]));
  const functions = new Map(p.function.map((f) => [Number(f.id), f]));
  const names = new Set<string>();
  // the checks below are per sample: a profile with none would pass them all
  expect(p.sample.length).toBeGreaterThan(0);
  for (const s of p.sample) {
    expect(s.value).toHaveLength(p.sampleType.length);
    for (const id of s.locationId) {
      const location = locations.get(Number(id));
      expect(location, `location ${id}`).toBeDefined();
      for (const line of location!.line) {
        const fn = functions.get(Number(line.functionId));
        expect(fn, `function ${line.functionId}`).toBeDefined();
        names.add(p.stringTable.strings[Number(fn!.name)]!);
      }
    }
  }
  expect(names.has('(root)')).toBe(false);
  return names;
}

/** Stack (leaf-first names) of the sample whose leaf is `leaf`. */
function stackOf(p: Profile, leaf: string): string[] | undefined {
  const nameOf = (locationId: number | bigint): string => {
    const location = p.location.find((l) => l.id === locationId)!;
    const fn = p.function.find((f) => f.id === location.line[0]!.functionId)!;
    return p.stringTable.strings[Number(fn.name)]!;
  };
  for (const s of p.sample) {
    const names = s.locationId.map(nameOf);
    if (names[0] === leaf) return names;
  }
  return undefined;
}

function sum(values: Array<number | bigint>): number {
  return values.reduce<number>((a, b) => a + Number(b), 0);
}

let dir: string;

describe('pprof conversion', () => {
  let cpu: CpuProfile;
  let heap: HeapProfile;

  beforeAll(async () => {
    dir = tempDir('holmes-pprof-', 'file');
    cpu = await captureCpu();
    heap = await captureHeap();
  });

  afterAll(() => {
    retained.length = 0;
  });

  it('converts a CPU profile: sample types, leaf-first stacks, counts and time', async () => {
    const p = decode(await cpuProfileToPprof(cpu));
    expect(sampleTypes(p)).toEqual([
      ['samples', 'count'],
      ['cpu', 'nanoseconds'],
    ]);
    expect(p.stringTable.strings[Number(p.periodType!.type)]).toBe('cpu');

    const names = checkStructure(p);
    expect(names.has('burnForPprofTest')).toBe(true);
    // Leaf-first: the burner's own samples start at it and climb to this test's callers.
    const burnStack = stackOf(p, 'burnForPprofTest');
    expect(burnStack).toBeDefined();
    expect(burnStack!.slice(1)).toContain('captureCpu');

    expect(sum(p.sample.map((s) => s.value[0]!))).toBe(cpu.samples.length);
    const deltasNs = sum(cpu.timeDeltas) * 1000;
    // the period is the mean interval of the samples: V8 may hand over one time delta more than samples (seen on 24)
    const meanNs = (sum(cpu.timeDeltas.slice(0, cpu.samples.length)) * 1000) / cpu.samples.length;
    expect(Number(p.period)).toBeCloseTo(meanNs, -1);
    // Charging sample i with timeDeltas[i+1] and the last with the mean moves the total by at most a couple of intervals.
    expect(Math.abs(sum(p.sample.map((s) => s.value[1]!)) - deltasNs)).toBeLessThanOrEqual(Math.max(...cpu.timeDeltas) * 1000 + meanNs + 1);
    expect(Number(p.durationNanos)).toBe((cpu.endTime - cpu.startTime) * 1000);
    // Real epoch time (not V8's monotonic clock), around when the profile was taken.
    expect(Math.abs(Number(p.timeNanos) / 1e6 - Date.now())).toBeLessThan(60_000);
  });

  it('maps 0-based DevTools positions to 1-based pprof lines and names anonymous functions', async () => {
    const frame = (functionName: string, lineNumber: number, columnNumber: number) => ({
      functionName,
      scriptId: '1',
      url: 'file:///srv/app%20x/main.js',
      lineNumber,
      columnNumber,
    });
    const synthetic: CpuProfile = {
      nodes: [
        { id: 1, callFrame: { ...frame('(root)', -1, -1), url: '' }, children: [2, 5] },
        { id: 2, callFrame: frame('handler', 9, 4), children: [3, 4] },
        { id: 3, callFrame: frame('', 19, 0) },
        { id: 4, callFrame: frame('', 19, 30) },
        { id: 5, callFrame: { ...frame('(garbage collector)', -1, -1), url: '' } },
      ],
      startTime: 1000,
      endTime: 1050,
      samples: [3, 3, 4, 5, 2],
      // The -5 is V8 misordering a tick: counted as 0, not subtracted.
      timeDeltas: [10, 10, 10, 10, -5],
    };
    const p = decode(await cpuProfileToPprof(synthetic));
    checkStructure(p);
    const str = (i: number | bigint) => p.stringTable.strings[Number(i)];
    expect(p.function.map((f) => [str(f.name), str(f.filename), Number(f.startLine)])).toEqual([
      ['(anonymous)', '/srv/app x/main.js', 20],
      ['handler', '/srv/app x/main.js', 10],
      ['(garbage collector)', '', 0],
    ]);
    // Two anonymous functions on one line share a Function but keep their own Location (by column).
    expect(p.location.map((l) => [Number(l.line[0]!.line), Number(l.line[0]!.column)])).toEqual([
      [20, 1],
      [10, 5],
      [20, 31],
      [0, 0],
    ]);
    // Mean interval: (10 + 10 + 10 + 10 + 0) / 5 = 8 µs.
    expect(Number(p.period)).toBe(8_000);
    expect(p.sample.map((s) => [s.locationId.map(Number), s.value.map(Number)])).toEqual([
      [
        [1, 2],
        [2, 20_000],
      ],
      [
        [3, 2],
        [1, 10_000],
      ],
      [[4], [1, 0]],
      // The last sample has no next tick: charged the mean interval.
      [[2], [1, 8_000]],
    ]);
  });

  it('converts a sampling heap profile: inuse objects and space, sizes preserved', async () => {
    const p = decode(await heapProfileToPprof(heap, HEAP_INTERVAL));
    expect(sampleTypes(p)).toEqual([
      ['inuse_objects', 'count'],
      ['inuse_space', 'bytes'],
    ]);
    expect(Number(p.period)).toBe(HEAP_INTERVAL);
    expect(checkStructure(p).has('allocateForPprofTest')).toBe(true);

    let selfSize = 0;
    const walk = (node: HeapProfile['head']): void => {
      selfSize += node.selfSize;
      node.children.forEach(walk);
    };
    walk(heap.head);
    expect(sum(p.sample.map((s) => s.value[1]!))).toBe(selfSize);
    // Scaled object counts: at least one per raw sample, never zero for a node with bytes.
    expect(sum(p.sample.map((s) => s.value[0]!))).toBeGreaterThanOrEqual(heap.samples!.length);
    for (const s of p.sample) expect(Number(s.value[0])).toBeGreaterThan(0);
  });

  it('is readable by `go tool pprof` (CPU)', { timeout: 180_000 }, async (ctx) => {
    requires(ctx, go);
    const file = join(dir, 'cpu.pb.gz');
    writeFileSync(file, await cpuProfileToPprof(cpu));
    const top = goPprofTop(file);
    expect(top).toMatch(/Type: cpu/);
    expect(top, top).toContain('burnForPprofTest');
  });

  it('is readable by `go tool pprof` (heap)', { timeout: 180_000 }, async (ctx) => {
    requires(ctx, go);
    const file = join(dir, 'heap.pb.gz');
    writeFileSync(file, await heapProfileToPprof(heap, HEAP_INTERVAL));
    const top = goPprofTop(file, '-sample_index=inuse_space');
    expect(top).toMatch(/Type: inuse_space/);
    expect(top, top).toContain('allocateForPprofTest');
  });
});
