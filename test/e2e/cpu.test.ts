import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { go, goPprofTop } from '../helpers/go-pprof.js';
import { freshDir, listDir, runScenario, tempDir, type ChildEvent } from '../helpers/child.js';
import { namingProfiler, requires } from '../helpers/requirements.js';

/**
 * One run with profileFormat 'both', shared by the test of its files (runs anywhere) and the test that reads its
 * pprof with Go (needs Go): without Go only the second is skipped. Made on first use, its directory removed after the file.
 */
let both: Promise<{ dumpDir: string; dump: ChildEvent; base: string; code: number | null; stderr: string }> | undefined;
function profiledBoth() {
  both ??= (async () => {
    const dumpDir = join(tempDir('holmes-e2e-', 'file'), 'dumps');
    const result = await runScenario('cpu', {
      dumpDir,
      interval: 100,
      window: 5,
      profileFormat: 'both',
      cpu: { min: 20, diff: 100, abs: 60, profileDuration: 600 },
      memory: false,
      handles: false,
    });
    const dump = result.events.find((e) => e.event === 'dump')!;
    return { dumpDir, dump, base: dump && basename(dump.file as string, '.cpuprofile'), code: result.code, stderr: result.stderr };
  })();
  return both;
}

describe('cpu rule, end to end', () => {
  it('a function that burns CPU yields a .cpuprofile naming it, with samples, and a meta file', async (ctx) => {
    requires(ctx, namingProfiler);
    const dumpDir = freshDir();
    const result = await runScenario('cpu', {
      dumpDir,
      interval: 100,
      window: 5,
      cpu: { min: 20, diff: 100, abs: 60, profileDuration: 600 },
      memory: false,
      handles: false,
    });
    expect(result.code, result.stderr).toBe(0);
    const dump = result.events.find((e) => e.event === 'dump');
    expect(dump, JSON.stringify(result.events)).toBeDefined();
    const file = dump!.file as string;
    expect(dirname(file)).toBe(dumpDir);
    expect(basename(file)).toMatch(/^cpu-\d{8}T\d{6}\.\d{3}Z-\d+\.cpuprofile$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dumpDir).mode & 0o777).toBe(0o700);

    const profile = JSON.parse(readFileSync(file, 'utf8'));
    expect(profile.samples.length).toBeGreaterThan(0);
    expect(profile.timeDeltas.length).toBe(profile.samples.length);
    const names = profile.nodes.map((node: { callFrame: { functionName: string } }) => node.callFrame.functionName);
    const meta = JSON.parse(readFileSync(dump!.metaFile as string, 'utf8'));
    const hits = profile.nodes.map(
      (node: { callFrame: { functionName: string }; hitCount?: number }) => `${node.callFrame.functionName}:${node.hitCount ?? 0}`,
    );
    expect(names, `${hits.join(' ')} ${JSON.stringify(meta.details)} ${meta.summary}`).toContain('burnCpuInHolmesTest');

    expect(meta.kind).toBe('cpu');
    expect(meta.file).toBe(basename(file));
    expect(meta.reason.value).toBeGreaterThanOrEqual(20);
    expect(['abs', 'diff']).toContain(meta.reason.trigger);
    expect(meta.reason.thresholds).toEqual({ min: 20, diff: 100, abs: 60 });
    expect(meta.readings.cpu).toHaveLength(5);
    expect(meta.readings.memory).toHaveLength(5);
    expect(meta.readings.handles).toHaveLength(5);
    expect(meta.pid).toBeGreaterThan(0);
    expect(typeof meta.hostname).toBe('string');
    expect(meta.node).toBe(process.version);
    expect(Date.parse(meta.endTime)).toBeGreaterThanOrEqual(Date.parse(meta.startTime));

    // nothing half-written is left: the dump and its meta only
    expect(listDir(dumpDir)).toEqual([basename(file), basename(dump!.metaFile as string)].sort());
  });

  it("with profileFormat 'both', the same profile is also written as pprof", async () => {
    const { dumpDir, dump, base, code, stderr } = await profiledBoth();
    expect(code, stderr).toBe(0);
    expect(dump).toBeDefined();
    expect(listDir(dumpDir)).toEqual([`${base}.cpuprofile`, `${base}.meta.json`, `${base}.pb.gz`]);
    expect(statSync(`${dumpDir}/${base}.pb.gz`).mode & 0o777).toBe(0o600);
    const meta = JSON.parse(readFileSync(dump.metaFile as string, 'utf8'));
    expect(meta.details.files).toEqual([`${base}.cpuprofile`, `${base}.pb.gz`]);
  });

  it("the pprof of profileFormat 'both' is read by go tool pprof, naming the burning function", { timeout: 180_000 }, async (ctx) => {
    requires(ctx, go, namingProfiler);
    const { dumpDir, base, code, stderr } = await profiledBoth();
    expect(code, stderr).toBe(0);
    const top = goPprofTop(`${dumpDir}/${base}.pb.gz`);
    expect(top).toContain('burnCpuInHolmesTest');
  });
});
