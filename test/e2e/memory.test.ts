import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshDir, listDir, runScenario } from '../helpers/child.js';

describe('memory rule, end to end', () => {
  it('an object that leaks yields a .heapsnapshot that parses and contains the leaking class', async () => {
    const dumpDir = freshDir();
    const result = await runScenario('memory', {
      dumpDir,
      interval: 100,
      window: 5,
      limits: { memoryBytes: 1024 * 2 ** 20 },
      memory: { min: 5, diff: 20, abs: 95 },
      cpu: false,
      handles: false,
    });
    expect(result.code, result.stderr).toBe(0);
    const dump = result.events.find((e) => e.event === 'dump');
    expect(dump, JSON.stringify(result.events)).toBeDefined();
    const file = dump!.file as string;
    expect(basename(file)).toMatch(/^memory-\d{8}T\d{6}\.\d{3}Z-\d+\.heapsnapshot$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const snapshot = JSON.parse(readFileSync(file, 'utf8'));
    expect(snapshot.snapshot.meta.node_fields).toContain('name');
    expect(snapshot.nodes.length).toBeGreaterThan(0);
    expect(snapshot.strings).toContain('HolmesLeakyRecord');

    const meta = JSON.parse(readFileSync(dump!.metaFile as string, 'utf8'));
    expect(meta.kind).toBe('memory');
    expect(meta.limits.memoryBytes).toBe(1024 * 2 ** 20);
    expect(meta.limits.memorySource).toBe('option');
    expect(listDir(dumpDir)).toEqual([basename(file), basename(dump!.metaFile as string)].sort());
  });
});
