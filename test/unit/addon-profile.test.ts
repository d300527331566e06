import { describe, expect, it } from 'vitest';
import { fromAddonProfile, type AddonProfile } from '../../src/dumpers/profiler/types.js';

const frame = (functionName: string, url: string, lineNumber: number, columnNumber: number, scriptId: number) => ({
  functionName,
  url,
  lineNumber,
  columnNumber,
  scriptId,
});

describe('fromAddonProfile: the native addon output to what node:inspector gives', () => {
  const raw: AddonProfile = {
    startTime: 10,
    endTime: 20,
    samples: [2, 3, 4],
    timeDeltas: [1, 2, 3],
    nodes: [
      { id: 1, callFrame: frame('(root)', '', 0, 0, 0), hitCount: 0, children: [2, 3, 4] },
      { id: 2, callFrame: frame('hot', '/srv/app/hot.js', 21, 25, 99), hitCount: 1, lineTicks: [{ line: 22, hitCount: 1 }] },
      { id: 3, callFrame: frame('listOnTimeout', 'node:internal/timers', 541, 25, 40), hitCount: 1 },
      { id: 4, callFrame: frame('esm', 'file:///srv/app/m.mjs', 1, 1, 100), hitCount: 1 },
    ],
  };
  const profile = fromAddonProfile({ ...raw, ...{ title: 'x', typeId: 'CPU', uid: 1 } });
  const frames = profile.nodes.map((node) => node.callFrame);

  it('makes positions 0-based, and "none" (0) -1 as inspector has it', () => {
    expect(frames.map((f) => [f.lineNumber, f.columnNumber])).toEqual([
      [-1, -1],
      [20, 24],
      [540, 24],
      [0, 0],
    ]);
  });

  it('names script files by file:// URL, leaves node: and existing URLs, and makes scriptId a string', () => {
    expect(frames.map((f) => f.url)).toEqual(['', 'file:///srv/app/hot.js', 'node:internal/timers', 'file:///srv/app/m.mjs']);
    expect(frames.map((f) => f.scriptId)).toEqual(['0', '99', '40', '100']);
  });

  it('turns lineTicks into positionTicks (lines stay 1-based, as in DevTools) and keeps only DevTools fields', () => {
    expect(profile.nodes[1]!.positionTicks).toEqual([{ line: 22, ticks: 1 }]);
    expect(profile.nodes[0]!.positionTicks).toBeUndefined();
    expect(Object.keys(profile).sort()).toEqual(['endTime', 'nodes', 'samples', 'startTime', 'timeDeltas']);
    expect(profile.nodes[0]!.children).toEqual([2, 3, 4]);
  });
});
