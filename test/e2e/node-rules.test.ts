import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshDir, runScenario } from '../helpers/child.js';
import { namingProfiler, requires } from '../helpers/requirements.js';

function functionNames(node: { callFrame: { functionName: string }; children?: unknown[] }, into: string[] = []): string[] {
  into.push(node.callFrame.functionName);
  for (const child of node.children ?? []) functionNames(child as typeof node, into);
  return into;
}

describe('Node rules, end to end', () => {
  it('eventLoop: a loop slowed by a named function yields a CPU profile naming it', async (ctx) => {
    requires(ctx, namingProfiler);
    const dumpDir = freshDir();
    const result = await runScenario('slowLoop', {
      dumpDir,
      interval: 200,
      window: 5,
      cpu: false,
      memory: false,
      handles: false,
      eventLoop: { min: 50, diff: 100, abs: 100, profileDuration: 800 },
    });
    expect(result.code, result.stderr).toBe(0);
    const dump = result.events.find((e) => e.event === 'dump')!;
    expect(dump, JSON.stringify(result.events)).toBeDefined();
    expect(basename(dump.file as string)).toMatch(/^eventLoop-\d{8}T\d{6}\.\d{3}Z-\d+\.cpuprofile$/);
    const profile = JSON.parse(readFileSync(dump.file as string, 'utf8'));
    const meta = JSON.parse(readFileSync(dump.metaFile as string, 'utf8'));
    expect(
      profile.nodes.map((n: { callFrame: { functionName: string } }) => n.callFrame.functionName),
      JSON.stringify(meta),
    ).toContain('blockInSlicesInHolmesTest');
    expect(meta.reason.rule).toBe('eventLoop');
    expect(meta.reason.value).toBeGreaterThanOrEqual(100);
    expect(meta.summary).toMatch(/^eventLoop \d+(\.\d+)? ms >= abs 100 ms/);
  });

  it('heap: a heap growing toward a small --max-old-space-size is dumped, complete, before the process dies of OOM', async () => {
    const dumpDir = freshDir();
    const result = await runScenario(
      'heapOom',
      {
        dumpDir,
        interval: 100,
        window: 5,
        cpu: false,
        memory: false,
        handles: false,
        // the rule's own dump is what this test is about (near-heap-limit.test.ts has V8's)
        heap: { min: 40, diff: 10, abs: 60, nearHeapLimit: false },
      },
      {},
      ['--max-old-space-size=96'],
    );
    // the process really died of its leak
    expect(result.code === 134 || result.signal === 'SIGABRT', `code ${result.code} signal ${result.signal}`).toBe(true);
    expect(result.stderr).toMatch(/heap out of memory/i);
    const dump = result.events.find((e) => e.event === 'dump');
    expect(dump, JSON.stringify(result.events.slice(-5))).toBeDefined();
    expect(existsSync(dump!.file as string)).toBe(true);
    const meta = JSON.parse(readFileSync(dump!.metaFile as string, 'utf8'));
    expect(meta.kind).toBe('heap');
    expect(meta.reason.value).toBeGreaterThanOrEqual(40);
    // a snapshot when affordable, else a sampling heap profile: either is complete JSON naming the leak
    const file = dump!.file as string;
    expect(file).toMatch(/\.(heapsnapshot|heapprofile)$/); // one of the two, so one of the branches below asserts
    const parsed = JSON.parse(readFileSync(file, 'utf8'));
    if (file.endsWith('.heapsnapshot')) expect(parsed.strings).toContain('HolmesLeakyRecord');
    else expect(functionNames(parsed.head)).toContain('leakRecordsInHolmesTest');
  });

  it('gc: an allocation storm drives GC time up and yields a sampling heap profile naming the allocator', async () => {
    const dumpDir = freshDir();
    const result = await runScenario(
      'gcStorm',
      {
        dumpDir,
        interval: 200,
        window: 5,
        cpu: false,
        memory: false,
        handles: false,
        gc: { min: 2, diff: 100, abs: 5 },
      },
      {},
      ['--expose-gc'],
    );
    expect(result.code, result.stderr).toBe(0);
    const dump = result.events.find((e) => e.event === 'dump')!;
    expect(dump, JSON.stringify(result.events)).toBeDefined();
    expect(basename(dump.file as string)).toMatch(/^gc-\d{8}T\d{6}\.\d{3}Z-\d+\.heapprofile$/);
    const profile = JSON.parse(readFileSync(dump.file as string, 'utf8'));
    expect(functionNames(profile.head)).toContain('churnInHolmesTest');
    const meta = JSON.parse(readFileSync(dump.metaFile as string, 'utf8'));
    expect(meta.reason.rule).toBe('gc');
    // the live set after the last major GC is recorded (the child forces one)
    expect(meta.details.heapAfterMajorGcBytes).toBeGreaterThan(1e6);
    expect(meta.summary).toMatch(/^gc \d+(\.\d+)?% >= /);
  });
});
