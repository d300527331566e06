import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshDir, listDir, runScenario } from '../helpers/child.js';

function functionNames(node: { callFrame: { functionName: string }; children: unknown[] }): string[] {
  return [node.callFrame.functionName, ...node.children.flatMap((child) => functionNames(child as typeof node))];
}

describe('memory rule, end to end', () => {
  it('an object that leaks yields the live heap profile naming the allocator, and a .heapsnapshot (it fits) containing the leaking class', async () => {
    const dumpDir = freshDir();
    const result = await runScenario('memory', {
      dumpDir,
      interval: 100,
      window: 5,
      // room for the snapshot: 12 x the heap used must fit under the limit with a margin
      limits: { memoryBytes: 8192 * 2 ** 20 },
      memory: { min: 0.5, diff: 20, abs: 95 },
      cpu: false,
      handles: false,
    });
    expect(result.code, result.stderr).toBe(0);
    const dump = result.events.find((e) => e.event === 'dump');
    expect(dump, JSON.stringify(result.events)).toBeDefined();
    const profileFile = dump!.file as string;
    expect(basename(profileFile)).toMatch(/^memory-\d{8}T\d{6}\.\d{3}Z-\d+\.heapprofile$/);
    expect(functionNames(JSON.parse(readFileSync(profileFile, 'utf8')).head)).toContain('leakRecordsInHolmesTest');
    const file = profileFile.replace(/\.heapprofile$/, '.heapsnapshot');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(profileFile).mode & 0o777).toBe(0o600);

    const snapshot = JSON.parse(readFileSync(file, 'utf8'));
    expect(snapshot.snapshot.meta.node_fields).toContain('name');
    expect(snapshot.nodes.length).toBeGreaterThan(0);
    expect(snapshot.strings).toContain('HolmesLeakyRecord');

    const meta = JSON.parse(readFileSync(dump!.metaFile as string, 'utf8'));
    expect(meta.kind).toBe('memory');
    expect(meta.limits.memoryBytes).toBe(8192 * 2 ** 20);
    expect(meta.limits.memorySource).toBe('option');
    expect(meta.details.files).toEqual([basename(profileFile), basename(file)]);
    expect(listDir(dumpDir)).toEqual([basename(profileFile), basename(file), basename(dump!.metaFile as string)].sort());
  });
});
