import { describe, expect, it } from 'vitest';
import { binaryFile } from '../../src/dumpers/profiler/native.js';
import { runNodeSync } from '../helpers/child.js';
import { nativeAddon, requires } from '../helpers/requirements.js';

/**
 * The addon (native/profiler.cc) in a child process of its own, as holmes-node uses it: one eager profiler, two
 * profiles at once at different intervals (the flight recorder's overlapping recordings), and a profile still
 * running when the process exits (V8 disposes a profiler without stopping its sampler thread; the addon must stop
 * it first, or the process aborts at exit).
 */
const CHILD = `
const addon = require(${JSON.stringify(binaryFile())});
const out = { created: addon.create(true), again: addon.create(true) };
function burn(ms) { const end = Date.now() + ms; let x = 0; while (Date.now() < end) x += Math.sqrt(x + 1); return x; }
const a = addon.start(1000, true);
burn(50);
const b = addon.start(10000, false); // a second profile while one runs: no error, its own interval
burn(100);
const pa = addon.stop(a);
const pb = addon.stop(b);
const burnNode = pa.nodes.find((n) => n.callFrame.functionName === 'burn');
out.a = { samples: pa.samples.length, deltas: pa.timeDeltas.length, root: pa.nodes[0], burn: burnNode?.callFrame,
  burnTicks: burnNode?.positionTicks, keys: Object.keys(pa).sort(), nodeKeys: Object.keys(burnNode ?? {}).sort() };
out.b = { samples: pb.samples.length };
out.stoppedTwice = addon.stop(a) === undefined;
addon.start(1000, true); // left running: the process must still exit cleanly
burn(20);
console.log(JSON.stringify(out));
`;

describe('the native profiler addon', () => {
  it('creates one profiler, runs overlapping profiles, and lets the process exit with one running', (ctx) => {
    requires(ctx, nativeAddon);
    const result = runNodeSync(['-e', CHILD]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.signal).toBeNull();
    const out = JSON.parse(result.stdout);
    expect(out.created).toBe(true);
    expect(out.again).toBe(false);
    expect(out.a.samples).toBeGreaterThan(0);
    expect(out.a.deltas).toBe(out.a.samples);
    // built in DevTools' shape, as node:inspector gives it: 0-based positions, -1 for none, scriptId a string
    expect(out.a.keys).toEqual(['endTime', 'nodes', 'samples', 'startTime', 'timeDeltas']);
    expect(out.a.root).toMatchObject({ id: 1, hitCount: 0, callFrame: { functionName: '(root)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 } });
    // `function burn(ms)` is on line 4 of the -e script (3 from 0), V8 placing it at its `(`, column 13 (from 0)
    expect(out.a.burn).toMatchObject({ lineNumber: 3, columnNumber: 13, scriptId: expect.stringMatching(/^[1-9]\d*$/) });
    expect(out.a.nodeKeys).toEqual(['callFrame', 'children', 'hitCount', 'id', 'positionTicks']);
    // samples per line of burn, lines 1-based as DevTools has them: its body is line 4
    expect(out.a.burnTicks.every((tick: { line: number; ticks: number }) => tick.line === 4 && tick.ticks > 0)).toBe(true);
    expect(out.b.samples).toBeGreaterThan(0);
    expect(out.b.samples).toBeLessThan(out.a.samples);
    expect(out.stoppedTwice).toBe(true);
  });
});
