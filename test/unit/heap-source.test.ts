import { describe, expect, it } from 'vitest';
import { HeapSource, oldSpaceFlag } from '../../src/sources/heap.js';

describe('oldSpaceFlag', () => {
  it.each([
    [[], '', null],
    [['--max-old-space-size=96'], '', 96 * 2 ** 20],
    [['--max_old_space_size=512'], '', 512 * 2 ** 20],
    [['--max-old-space-size', '64'], '', 64 * 2 ** 20],
    [[], '--inspect --max-old-space-size=2048', 2048 * 2 ** 20],
    // the command line comes after NODE_OPTIONS and wins
    [['--max-old-space-size=128'], '--max-old-space-size=2048', 128 * 2 ** 20],
    [['--max-old-space-size=abc'], '', null],
    [['--max-semi-space-size=64'], '', null],
  ] as const)('%j with NODE_OPTIONS %j', (argv, nodeOptions, expected) => {
    expect(oldSpaceFlag(argv, nodeOptions)).toBe(expected);
  });
});

describe('HeapSource', () => {
  it('reads a percent of the old-generation limit that grows as the heap does', () => {
    const source = new HeapSource();
    const before = source.read();
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(100);
    const kept = Array.from({ length: 300_000 }, (_, i) => ({ i, text: `kept-${i}` }));
    expect(source.read()).toBeGreaterThan(before);
    expect(kept.length).toBe(300_000);
  });
});
