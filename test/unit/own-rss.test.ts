import { describe, expect, it } from 'vitest';
import { OwnRss } from '../../src/sources/own-rss.js';

const MB = 2 ** 20;

describe("OwnRss: the RSS holmes-node's own snapshots added, taken off the memory reading", () => {
  it('leaves RSS alone until a snapshot added some', () => {
    expect(new OwnRss().discount(100 * MB)).toBe(100 * MB);
  });

  it('takes off what a snapshot added while RSS stays up, and counts the service growing on top', () => {
    const own = new OwnRss();
    own.record(100 * MB, 300 * MB);
    expect(own.added).toBe(200 * MB);
    expect(own.discount(300 * MB)).toBe(100 * MB);
    expect(own.discount(350 * MB)).toBe(150 * MB);
  });

  it('a fall in RSS is taken off the discount first, which never goes below zero', () => {
    const own = new OwnRss();
    own.record(100 * MB, 300 * MB);
    expect(own.discount(200 * MB)).toBe(100 * MB);
    expect(own.added).toBe(100 * MB);
    expect(own.discount(50 * MB)).toBe(50 * MB);
    expect(own.added).toBe(0);
    expect(own.discount(400 * MB)).toBe(400 * MB);
  });

  it('a snapshot that added nothing records nothing', () => {
    const own = new OwnRss();
    own.record(300 * MB, 290 * MB);
    expect(own.added).toBe(0);
  });
});
