import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Culprit } from '../../src/dumpers/culprit.js';
import { Host, freshDir } from '../helpers/child.js';
import { namingProfiler, requires } from '../helpers/requirements.js';

/** Every rule quiet but the watchdog; dumps are asked for, or caught by the watchdog. */
function options(): object {
  return {
    dumpDir: freshDir(),
    cpu: { enabled: false, profileDuration: 1500 },
    // on, so its always-ready heap profiler runs, but never firing (at most 100 % of the limit)
    memory: { min: 100, abs: 100, diff: 1e9 },
    handles: { min: 1e8, abs: 1e9, diff: 1e9, trackStacks: true },
    eventLoop: { enabled: true, block: 300, min: 1e8, abs: 1e9, diff: 1e9, cooldown: 0 },
  };
}

/** The culprit of the first dump of `kind` from event index `from`, checked against its meta file. */
async function culpritOf(host: Host, kind: string, from: number): Promise<Culprit> {
  const event = await host.waitFor((e) => e.event === 'dump' && e.kind === kind, from);
  const culprit = event.culprit as Culprit;
  expect(culprit, host.describe()).toBeDefined();
  expect(JSON.parse(readFileSync(event.metaFile as string, 'utf8')).culprit).toEqual(culprit);
  return culprit;
}

describe('the dump names its culprit', () => {
  it('CPU profile: the top functions by self time, the burning one first', async (ctx) => {
    requires(ctx, namingProfiler);
    const host = await Host.start(options());
    await host.send('burn 20000');
    const from = host.events.length;
    await host.send('dump cpu');
    const culprit = await culpritOf(host, 'cpu', from);
    expect(culprit.top[0], JSON.stringify(culprit)).toMatchObject({ name: 'burnCpuInHolmesTest', where: 'problems.mjs:4', unit: '%' });
    expect(culprit.top.length).toBeLessThanOrEqual(3);
    expect(culprit.text).toMatch(/^burnCpuInHolmesTest \(problems\.mjs:4\) \d+(\.\d)?%/);
    expect(culprit.computedOn).toBe('main thread');
  });

  it('heap profile, handles and block: the top allocation site, the top handle type with its creation stack, the blocking frame', async () => {
    const host = await Host.start(options());

    let from = host.events.length;
    // the heap profile is the live heap, read at once: grow it first
    await host.send('grow-heap 15');
    host.write('dump heapprofile');
    const heap = await culpritOf(host, 'heapprofile', from);
    // the records' strings come from String.prototype.repeat, charged to the function that called it
    expect(heap.top[0], JSON.stringify(heap)).toMatchObject({ name: 'leakRecordsInHolmesTest', where: 'problems.mjs:28' });
    expect(heap.top[0]!.unit).toBe('bytes');
    // holmes.dump() resolved: the pipeline is free for the next dump (one at a time)
    await host.waitFor((e) => e.event === 'dumped' && e.kind === 'heapprofile', from);

    await host.send('timers 500');
    from = host.events.length;
    await host.send('dump handles');
    const handles = await culpritOf(host, 'handles', from);
    expect(handles.top[0]).toMatchObject({ name: 'Timeout', unit: 'count' });
    expect(handles.top[0]!.value).toBeGreaterThanOrEqual(500);
    expect(handles.stack?.join('\n'), JSON.stringify(handles)).toMatch(/host\.mjs/);

    from = host.events.length;
    await host.send('block 1200');
    // a block caught earlier (growing the heap stalls a loaded machine too) is not the one asked for
    const blocked = await host.waitFor((e) => e.event === 'dump' && e.kind === 'eventLoop' && /blockTheLoop/.test(JSON.stringify(e.culprit)), from);
    const block = blocked.culprit as Culprit;
    expect(JSON.parse(readFileSync(blocked.metaFile as string, 'utf8')).culprit).toEqual(block);
    expect(block.text).toBe('blockTheLoopInHolmesTest (problems.mjs:14)');
    expect(block.computedOn).toBe('watchdog worker');
    expect(block.stack?.[0]).toBe(block.text);
  });

  it('states the culprit in the log line', async () => {
    const host = await Host.start(options());
    await host.send('timers 200');
    const from = host.events.length;
    await host.send('dump handles');
    const line = await host.waitFor((e) => e.event === 'log' && /^holmes-node: wrote .*handles\.json/.test(String(e.m)), from);
    expect(line.m).toMatch(/; culprit: Timeout \d+/);
  });
});
