import { describe, expect, it } from 'vitest';
import { blockCulprit, cpuCulprit, handlesCulprit, heapProfileCulprit } from '../../src/dumpers/culprit.js';
import type { HeapProfileNode } from '../../src/dumpers/heap-profile.js';
import type { CpuProfile } from '../../src/dumpers/profiler/types.js';

const frame = (functionName: string, url = 'file:///app/a.js', lineNumber = 9) => ({ functionName, scriptId: '1', url, lineNumber, columnNumber: 0 });

describe('culprits', () => {
  it('CPU: the three functions with the most self samples, idle and root left out, same function summed', () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)', '', -1), children: [2, 3, 4, 5, 6] },
        { id: 2, callFrame: frame('hot') },
        { id: 3, callFrame: frame('(idle)', '', -1) },
        { id: 4, callFrame: frame('warm', 'file:///app/b.js', 0) },
        { id: 5, callFrame: frame('hot') },
        { id: 6, callFrame: frame('', 'file:///app/c.js', 2) },
      ],
      samples: [2, 2, 5, 3, 3, 3, 3, 4, 6, 2],
      timeDeltas: [],
      startTime: 0,
      endTime: 1,
    };
    const culprit = cpuCulprit(profile)!;
    expect(culprit.top).toEqual([
      { name: 'hot', where: 'a.js:10', value: 40, unit: '%' },
      { name: 'warm', where: 'b.js:1', value: 10, unit: '%' },
      { name: '(anonymous)', where: 'c.js:3', value: 10, unit: '%' },
    ]);
    expect(culprit.text).toBe('hot (a.js:10) 40%, warm (b.js:1) 10%, (anonymous) (c.js:3) 10%');
    expect(culprit.computedOn).toBe('main thread');
    expect(cpuCulprit({ ...profile, samples: [] })).toBeUndefined();
  });

  it('heap profile: bytes per allocation site, a built-in charged to its JavaScript caller', () => {
    const node = (callFrame: ReturnType<typeof frame>, selfSize: number, children: HeapProfileNode[] = []): HeapProfileNode => ({
      callFrame,
      selfSize,
      id: 0,
      children,
    });
    const head = node(frame('(root)', '', -1), 0, [
      node(frame('leak'), 1000, [node(frame('repeat', '', -1), 5000)]),
      node(frame('other', 'file:///app/o.js', 1), 10),
    ]);
    const culprit = heapProfileCulprit({ head })!;
    expect(culprit.top).toEqual([
      { name: 'leak', where: 'a.js:10', value: 6000, unit: 'bytes' },
      { name: 'other', where: 'o.js:2', value: 10, unit: 'bytes' },
    ]);
  });

  it('handles: the top type and the stack that made most of them', () => {
    const culprit = handlesCulprit({
      total: 12,
      byType: { Timeout: 9, TCPSocketWrap: 3 },
      handles: [],
      truncated: false,
      stacks: [
        { type: 'Timeout', count: 2, stack: ['a (x.js:1:1)'] },
        { type: 'Timeout', count: 7, stack: ['leakTimers (app.js:5:3)', 'main (app.js:9:1)'] },
      ],
    })!;
    expect(culprit.text).toBe('Timeout 9, TCPSocketWrap 3');
    expect(culprit.stack).toEqual(['leakTimers (app.js:5:3)', 'main (app.js:9:1)']);
  });

  it('block: the innermost frame, 1-based as the block file has it', () => {
    const culprit = blockCulprit([
      { functionName: 'spin', url: 'file:///app/a.js', lineNumber: 12, columnNumber: 3 },
      { functionName: '', url: 'file:///app/a.js', lineNumber: 30, columnNumber: 1 },
    ])!;
    expect(culprit.text).toBe('spin (a.js:12)');
    expect(culprit.stack).toEqual(['spin (a.js:12)', '(anonymous) (a.js:30)']);
    expect(culprit.computedOn).toBe('watchdog worker');
    expect(blockCulprit([])).toBeUndefined();
  });
});
