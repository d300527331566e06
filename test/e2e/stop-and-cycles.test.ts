// stop() against a dump already running, and start()/stop() cycles against memory: each in a real child process.
import { describe, expect, it } from 'vitest';
import { fixture, freshDir, startChild, tempDir } from '../helpers/child.js';

describe('stop()', () => {
  it('called from inside the logger as a dump starts resolves only once that dump is finished: nothing is written after it', async () => {
    const dumpDir = freshDir();
    const child = startChild(fixture('stop-in-logger.mjs'), [dumpDir]);
    const { code } = await child.exit();
    expect(code, child.stderr).toBe(0);
    const order = child.events.map((e) => e.event);
    expect(order[0]).toBe('stopping');
    const stopped = child.events.find((e) => e.event === 'stopped')!;
    const exit = child.events.find((e) => e.event === 'exit')!;
    // the dump (or its failure) was reported before stop() resolved, and the directory did not change after
    const settledAt = order.findIndex((e) => e === 'dump' || e === 'error');
    expect(settledAt).toBeGreaterThan(0);
    expect(settledAt).toBeLessThan(order.indexOf('stopped'));
    expect(exit.names).toEqual(stopped.names);
    expect((stopped.names as string[]).filter((name) => name.startsWith('.holmes-tmp-'))).toEqual([]);
  });
});

describe('start() and stop() cycles', () => {
  // RSS after a GC, once warm, then after 300 more cycles (half on one instance, half on new ones). Measured for 1,000
  // cycles: see the CHANGELOG; the bound is generous on purpose, it catches a leak of some kilobytes a cycle.
  it.each([
    ['defaults', {}],
    ['handles.trackStacks', { handles: { trackStacks: true } }],
  ])('300 cycles with %s do not grow RSS by more than 15 MB', async (_name, options) => {
    const dumpDir = `${tempDir()}/dumps`;
    const child = startChild(fixture('cycles.mjs'), [JSON.stringify({ dumpDir, ...options }), '300'], { nodeArgs: ['--expose-gc'] });
    const { code } = await child.exit();
    expect(code, child.stderr).toBe(0);
    const { before, after } = child.events.find((e) => e.event === 'rss') as unknown as { before: number; after: number };
    expect((after - before) / 2 ** 20).toBeLessThan(15);
  });
});
