import { describe, it, expect } from 'vitest';
import { Ring } from '../../src/sampler/ring.js';
import { mulberry32 } from '../helpers/random.js';

const mean = (values: number[]): number => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);

describe('Ring', () => {
  it('is empty at first: size 0, not full, average 0, latest undefined, toArray []', () => {
    const ring = new Ring(3);
    expect(ring.capacity).toBe(3);
    expect(ring.size).toBe(0);
    expect(ring.full).toBe(false);
    expect(ring.average()).toBe(0);
    expect(ring.latest()).toBeUndefined();
    expect(ring.toArray()).toEqual([]);
  });

  it('fills up in order before wrapping', () => {
    const ring = new Ring(3);
    ring.push(1);
    expect(ring.size).toBe(1);
    expect(ring.full).toBe(false);
    expect(ring.latest()).toBe(1);
    expect(ring.average()).toBe(1);
    expect(ring.toArray()).toEqual([1]);

    ring.push(2);
    expect(ring.size).toBe(2);
    expect(ring.full).toBe(false);
    expect(ring.latest()).toBe(2);
    expect(ring.average()).toBe(1.5);
    expect(ring.toArray()).toEqual([1, 2]);

    ring.push(6);
    expect(ring.size).toBe(3);
    expect(ring.full).toBe(true);
    expect(ring.latest()).toBe(6);
    expect(ring.average()).toBe(3);
    expect(ring.toArray()).toEqual([1, 2, 6]);
  });

  it('drops the oldest reading after wrapping, keeping oldest-first order', () => {
    const ring = new Ring(3);
    for (const v of [1, 2, 3, 4]) ring.push(v);
    expect(ring.size).toBe(3);
    expect(ring.full).toBe(true);
    expect(ring.latest()).toBe(4);
    expect(ring.toArray()).toEqual([2, 3, 4]);
    expect(ring.average()).toBe(3);

    ring.push(5);
    expect(ring.toArray()).toEqual([3, 4, 5]);
    expect(ring.latest()).toBe(5);
    expect(ring.average()).toBe(4);

    ring.push(10); // wraps back to slot 0 exactly
    expect(ring.toArray()).toEqual([4, 5, 10]);
    expect(ring.latest()).toBe(10);
    expect(ring.average()).toBeCloseTo(19 / 3, 12);

    ring.push(-7);
    expect(ring.toArray()).toEqual([5, 10, -7]);
    expect(ring.latest()).toBe(-7);
    expect(ring.average()).toBeCloseTo(8 / 3, 12);
  });

  it('toArray returns a copy', () => {
    const ring = new Ring(2);
    ring.push(1);
    const copy = ring.toArray();
    copy.push(99);
    copy[0] = 42;
    expect(ring.toArray()).toEqual([1]);
  });

  it('works with capacity 1', () => {
    const ring = new Ring(1);
    ring.push(5);
    expect(ring.full).toBe(true);
    expect(ring.average()).toBe(5);
    ring.push(9);
    expect(ring.size).toBe(1);
    expect(ring.toArray()).toEqual([9]);
    expect(ring.latest()).toBe(9);
    expect(ring.average()).toBe(9);
  });

  it.each([1, 7, 10, 64])('keeps the average equal to a recomputed mean over 1e5 random pushes (capacity %i)', (capacity) => {
    const rand = mulberry32(0xc0ffee + capacity);
    const ring = new Ring(capacity);
    const all: number[] = [];
    let maxError = 0;
    for (let i = 0; i < 100_000; i++) {
      // mix of magnitudes is the classic recipe for drift in a running sum
      const v = rand() < 0.01 ? rand() * 1e6 : rand() * 100;
      ring.push(v);
      all.push(v);
      if (i % 97 === 0 || i > 99_900) {
        const expected = mean(all.slice(-capacity));
        maxError = Math.max(maxError, Math.abs(ring.average() - expected));
      }
    }
    expect(maxError).toBeLessThan(1e-9);
    expect(ring.toArray()).toEqual(all.slice(-capacity));
    expect(ring.average()).toBeCloseTo(mean(all.slice(-capacity)), 9);
    expect(ring.latest()).toBe(all[all.length - 1]);
  });

  it('leaves no residue of a huge value once the ring has wrapped past it', () => {
    const ring = new Ring(4);
    ring.push(1e17);
    for (let i = 0; i < 3; i++) ring.push(1);
    // 1e17 + 1 === 1e17 in doubles, so a pure running sum would keep an error forever; the recompute at wrap clears it
    for (let i = 0; i < 4; i++) ring.push(1);
    expect(ring.toArray()).toEqual([1, 1, 1, 1]);
    expect(ring.average()).toBe(1);
  });

  it('clear() empties the ring and it refills from scratch', () => {
    const ring = new Ring(3);
    for (const v of [1, 2, 3, 4, 5]) ring.push(v);
    ring.clear();
    expect(ring.size).toBe(0);
    expect(ring.full).toBe(false);
    expect(ring.average()).toBe(0);
    expect(ring.latest()).toBeUndefined();
    expect(ring.toArray()).toEqual([]);
    ring.push(8);
    expect(ring.toArray()).toEqual([8]);
    expect(ring.average()).toBe(8);
    expect(ring.latest()).toBe(8);
    ring.push(2);
    ring.push(5);
    ring.push(11);
    expect(ring.toArray()).toEqual([2, 5, 11]);
    expect(ring.average()).toBe(6);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, -Infinity])('throws RangeError on capacity %s', (capacity) => {
    expect(() => new Ring(capacity)).toThrow(RangeError);
  });
});

describe('Ring.total', () => {
  it('counts every push since creation or clear, beyond the capacity', () => {
    const ring = new Ring(3);
    for (let i = 0; i < 10; i++) ring.push(i);
    expect(ring.size).toBe(3);
    expect(ring.total).toBe(10);
    ring.clear();
    expect(ring.total).toBe(0);
  });
});
