import { describe, expect, it } from 'vitest';
import { fromAddonProfile, type CpuProfile } from '../../src/dumpers/profiler/types.js';

const frame = (functionName: string, url: string, lineNumber: number, columnNumber: number, scriptId: string) => ({
  functionName,
  url,
  lineNumber,
  columnNumber,
  scriptId,
});

// The addon builds the profile in DevTools' shape itself (native/profiler.cc; its positions are checked on the real
// addon in native-addon.test.ts and against node:inspector in test/e2e/positions.test.ts): only script paths are left.
describe('fromAddonProfile: script paths to the file:// URLs node:inspector gives', () => {
  const raw = (): CpuProfile => ({
    startTime: 10,
    endTime: 20,
    samples: [2, 3, 4, 5],
    timeDeltas: [1, 2, 3, 4],
    nodes: [
      { id: 1, callFrame: frame('(root)', '', -1, -1, '0'), hitCount: 0, children: [2, 3, 4, 5] },
      { id: 2, callFrame: frame('hot', '/srv/app/hot #1.js', 20, 24, '99'), hitCount: 1, children: [], positionTicks: [{ line: 22, ticks: 1 }] },
      { id: 3, callFrame: frame('listOnTimeout', 'node:internal/timers', 540, 24, '40'), hitCount: 1, children: [] },
      { id: 4, callFrame: frame('esm', 'file:///srv/app/m.mjs', 0, 0, '100'), hitCount: 1, children: [] },
      { id: 5, callFrame: frame('cold', '/srv/app/hot #1.js', 30, 2, '99'), hitCount: 1, children: [] },
    ],
  });

  it('names script files by file:// URL (encoded as pathToFileURL does), and leaves node: and existing URLs', () => {
    const profile = fromAddonProfile(raw());
    expect(profile.nodes.map((n) => n.callFrame.url)).toEqual([
      '',
      'file:///srv/app/hot%20%231.js',
      'node:internal/timers',
      'file:///srv/app/m.mjs',
      'file:///srv/app/hot%20%231.js',
    ]);
  });

  it('changes nothing else: positions, ids, ticks and samples are the addon’s', () => {
    const before = raw();
    const profile = fromAddonProfile(raw());
    const withoutUrls = (p: CpuProfile) => ({ ...p, nodes: p.nodes.map((n) => ({ ...n, callFrame: { ...n.callFrame, url: '' } })) });
    expect(withoutUrls(profile)).toEqual(withoutUrls(before));
    expect(Object.keys(profile).sort()).toEqual(['endTime', 'nodes', 'samples', 'startTime', 'timeDeltas']);
  });
});
