import { describe, expect, it } from 'vitest';
import { estimateSnapshot, snapshotVeto, type PreflightInput } from '../../src/dumpers/heap-preflight.js';

const MB = 2 ** 20;
const roomy: PreflightInput = { heapUsed: 50 * MB, rss: 200 * MB, memoryLimit: 4096 * MB, freeDiskBytes: 10_000 * MB, maxSnapshotHeap: 128 * MB };

describe('estimateSnapshot', () => {
  it('scales with the heap as measured (a 340 MB heap wrote 690 MB; 186 MB stalled 22 s)', () => {
    const estimate = estimateSnapshot(340 * MB);
    expect(estimate.fileBytes).toBeGreaterThanOrEqual(690 * MB);
    expect(estimate.extraMemory).toBe(48 * MB + 10.5 * 340 * MB); // measured on Node 20-26 (BENCHMARKS.md)
    expect(estimateSnapshot(186 * MB).stallMs).toBeGreaterThanOrEqual(22_000);
  });
});

describe('snapshotVeto', () => {
  const cases: Array<[string, Partial<PreflightInput>, RegExp | null]> = [
    ['plenty of everything', {}, null],
    ['heap exactly at maxSnapshotHeap', { heapUsed: 128 * MB }, null],
    ['heap above maxSnapshotHeap', { heapUsed: 128 * MB + 1 }, /above memory\.maxSnapshotHeap .* stall the event loop about \d+ s/],
    // 48 MB + 10.5 x 50 MB of heap = 573 MB; the margin is 10 % of the 4096 MB limit: RSS may be up to 3113 MB
    [
      'not enough memory under the limit for 48 MB + 10.5x the heap (+10 % margin)',
      { rss: 3120 * MB },
      /would add about 573 MB of RSS \(48 MB \+ 10\.5 x 50 MB of heap used\) to 3120 MB, over the memory limit of 4096 MB less a margin of 410 MB/,
    ],
    ['just enough memory, margin included', { rss: 3100 * MB }, null],
    ['rss already above the limit', { rss: 5000 * MB }, /over the memory limit/],
    ['a small limit keeps a margin of at least 32 MB', { memoryLimit: 832 * MB, rss: 201 * MB }, /less a margin of 83 MB/],
    ['disk too small for the file', { freeDiskBytes: 100 * MB }, /needs about 110 MB of disk but only 100 MB is free/],
    ['a full disk', { freeDiskBytes: 0 }, /of disk but only 0 MB is free/],
    ['free disk unknown (old Node): not a reason to refuse', { freeDiskBytes: null }, null],
  ];
  it.each(cases)('%s', (_name, change, expected) => {
    const veto = snapshotVeto({ ...roomy, ...change });
    if (expected === null) expect(veto).toBeNull();
    else expect(veto).toMatch(expected);
  });

  it('checks the stall first, then memory, then disk', () => {
    expect(snapshotVeto({ ...roomy, heapUsed: 200 * MB, rss: 4090 * MB, freeDiskBytes: 0 })).toMatch(/maxSnapshotHeap/);
    expect(snapshotVeto({ ...roomy, rss: 4090 * MB, freeDiskBytes: 0 })).toMatch(/over the memory limit/);
  });
});
