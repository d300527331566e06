import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixture, freshDir, startChild } from '../helpers/child.js';

interface BlockFile {
  threadId: number;
  blockMs: number;
  blockedMs: number;
  stack: Array<{ functionName: string; url: string; lineNumber: number }>;
}

describe('holmes-node started in a worker thread', () => {
  it.each([
    ['a worker of the main thread', 'direct'],
    ['a worker started by another worker', 'nested'],
  ])('catches a block of %s: its stack, not the main thread, which is never paused', async (_name, mode) => {
    const dir = freshDir('holmes-worker-');
    const run = startChild(fixture('worker-block.mjs'), [JSON.stringify({ dumpDir: dir, eventLoop: { block: 500 } }), mode]);
    const { code } = await run.exit();
    expect(code, run.describe()).toBe(0);
    const started = run.events.find((e) => e.event === 'started')!;
    const blocking = run.events.find((e) => e.event === 'blocking')!;
    const resumed = run.events.find((e) => e.event === 'resumed')!;
    const dump = run.events.find((e) => e.event === 'dump');
    expect(dump, run.describe()).toBeDefined();
    expect(run.events.filter((e) => e.event === 'error' || e.event === 'workerError')).toEqual([]);

    // the main thread's counter moved while the worker was blocked: the watchdog paused the worker only
    expect(resumed.counter as number).toBeGreaterThan((blocking.counter as number) + 20);

    const block = JSON.parse(readFileSync(dump!.file as string, 'utf8')) as BlockFile;
    expect(block.threadId).toBe(blocking.threadId);
    if (mode === 'direct') expect(block.threadId).toBe(started.workerThreadId);
    else expect(block.threadId).not.toBe(started.workerThreadId);
    const names = block.stack.map((frame) => frame.functionName);
    expect(['spinInWorkerInHolmesTest', 'blockTheWorkerInHolmesTest']).toContain(names[0]);
    expect(names.slice(0, 2)).toContain('blockTheWorkerInHolmesTest');
    expect(block.stack[0]!.url).toMatch(/\/test\/fixtures\/worker-block\.mjs$/);
    // (processTimers may appear: the worker's block resumes from its own timer; the main thread's stack would hold
    // neither blocking function)
    // taken while the worker was still blocked (3 s)
    expect(block.blockedMs).toBeGreaterThanOrEqual(500);
    expect(block.blockedMs).toBeLessThan(3000);
  });
});
