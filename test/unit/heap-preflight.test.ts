import { describe, expect, it } from 'vitest';
import { estimateSnapshot, snapshotVeto, type PreflightInput } from '../../src/dumpers/heap-preflight.js';

const MB = 2 ** 20;
const roomy: PreflightInput = { heapUsed: 50 * MB, rss: 200 * MB, memoryLimit: 4096 * MB, freeDiskBytes: 10_000 * MB, maxSnapshotHeap: 128 * MB };

describe('estimateSnapshot', () => {
  it('scales with the heap as measured (a 340 MB heap wrote 690 MB; 186 MB stalled 22 s)', () => {
    const estimate = estimateSnapshot(340 * MB);
    expect(estimate.fileBytes).toBeGreaterThanOrEqual(690 * MB);
    expect(estimate.extraMemory).toBe(5 * 340 * MB); // peak RSS rose ~5x the heap, measured
    expect(estimateSnapshot(186 * MB).stallMs).toBeGreaterThanOrEqual(22_000);
  });
});

describe('snapshotVeto', () => {
  const cases: Array<[string, Partial<PreflightInput>, RegExp | null]> = [
    ['plenty of everything', {}, null],
    ['heap exactly at maxSnapshotHeap', { heapUsed: 128 * MB }, null],
    ['heap above maxSnapshotHeap', { heapUsed: 128 * MB + 1 }, /above memory\.maxSnapshotHeap .* stall the event loop about \d+ s/],
    ['not enough memory under the limit for 5x the heap (+32 MB margin)', { rss: 3830 * MB }, /needs about 250 MB more memory but only 266 MB is left/],
    ['just enough memory, margin included', { rss: 3814 * MB }, null],
    ['rss already above the limit', { rss: 5000 * MB }, /only 0 MB is left/],
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
    expect(snapshotVeto({ ...roomy, rss: 4090 * MB, freeDiskBytes: 0 })).toMatch(/more memory/);
  });
});
