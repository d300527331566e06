import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, freshDir, listDir, waitUntil } from '../helpers/child.js';
import { runNodeInCgroups, v1Cgroup } from '../helpers/cgroup.js';
import { heapHost } from '../helpers/heap-host.js';
import { cgroupV1, requires, root } from '../helpers/requirements.js';

const MB = 2 ** 20;
const SNAPSHOT_WAIT_MS = 120_000;

interface Node {
  callFrame: { functionName: string };
  children: Node[];
}
const functionNames = (node: Node): string[] => [node.callFrame.functionName, ...node.children.flatMap(functionNames)];
const readJson = (file: unknown) => JSON.parse(readFileSync(file as string, 'utf8'));

describe('the always-ready heap profile, end to end', () => {
  it('a leaking service under limits.memoryBytes gets the live heap profile at once, naming the allocator, RSS unmoved; the snapshot that would not fit is refused with its estimate', async () => {
    const dumpDir = freshDir();
    const host = await heapHost({ dumpDir, limits: { memoryBytes: 256 * MB } });
    await host.send('grow-heap 30');
    await host.send('set {"memory":{"min":0,"abs":0}}');
    const skip = await host.waitFor((e) => e.event === 'skip' && e.kind === 'memory');
    // 48 MB + 10.5 x ~35 MB of heap cannot fit under 256 MB: the estimate and the limit are in the event
    expect(String(skip.reason)).toMatch(
      /heap snapshot not taken: a snapshot would add about \d+ MB of RSS \(48 MB \+ 10\.5 x \d+ MB of heap used\) to \d+ MB, over the memory limit of 256 MB/,
    );
    const dump = await host.waitFor((e) => e.event === 'dump' && e.kind === 'memory');
    expect(String(dump.file)).toMatch(/\.heapprofile$/);
    expect(functionNames(readJson(dump.file).head)).toContain('leakRecordsInHolmesTest');
    const meta = readJson(dump.metaFile);
    expect(meta.details.profiler).toBe('holmes-node');
    expect(meta.details.samples).toBeGreaterThan(0);
    expect(meta.details.snapshotSkipped).toMatch(/over the memory limit/);
    expect(meta.details.estimate.extraMemory).toBeGreaterThan(256 * MB);
    // reading the running profiler costs next to nothing: RSS after the dump within 10 % of before
    const { rssBeforeBytes, rssAfterBytes } = meta.details;
    expect(Math.abs(rssAfterBytes - rssBeforeBytes) / rssBeforeBytes).toBeLessThan(0.1);
    expect(listDir(dumpDir).filter((name) => name.endsWith('.heapsnapshot'))).toEqual([]);
    expect((await host.exit()).code).toBe(0);
  });

  it(
    "a snapshot's own RSS does not fire the memory rule again",
    async () => {
      const dumpDir = freshDir();
      const host = await heapHost({
        dumpDir,
        interval: 100,
        window: 3,
        cooldown: 200,
        limits: { memoryBytes: 8192 * MB },
        // fires on a rise of 20 % above the average, as the snapshot's own RSS would be many times over
        memory: { min: 0, diff: 20, abs: 100 },
      });
      await waitUntil(async () => ((await host.readings()).memory?.count ?? 0) >= 3, 'a warm memory ring', { intervalMs: 100 });
      // ~25 MB in one synchronous step, so the growth is over before the rule fires: any later dump would be a re-fire
      await host.send('leak 80000');
      // the snapshot stalls the child for seconds, tens of seconds on a loaded machine
      const dump = await host.waitFor((e) => e.event === 'dump' && e.kind === 'memory', 0, SNAPSHOT_WAIT_MS);
      const meta = readJson(dump.metaFile);
      expect(meta.details.files.some((name: string) => name.endsWith('.heapsnapshot'))).toBe(true);
      const { rssBeforeBytes, rssAfterBytes } = meta.details.snapshot;
      // the snapshot really inflated RSS (by far more than the 30 % that fires the rule)...
      expect(rssAfterBytes / rssBeforeBytes).toBeGreaterThan(1.4);
      // ...and ten readings later, past the cooldown many times over, the rule has not fired again
      const after = (await host.readings()).memory!.samples;
      await waitUntil(async () => (await host.readings()).memory!.samples >= after + 10, 'ten more readings', { intervalMs: 100 });
      expect(host.count('dump', 'memory'), JSON.stringify(host.events.filter((e) => e.event === 'dump'))).toBe(1);
      expect(host.count('skip', 'memory')).toBe(0);
      expect((await host.exit()).code).toBe(0);
    },
    SNAPSHOT_WAIT_MS * 2,
  );

  it('a profile with no samples is never written: a skip says why', async () => {
    const dumpDir = freshDir();
    const host = await heapHost({
      dumpDir,
      // one sample per GiB allocated: none yet; and no snapshot
      memory: { min: 0, diff: 0, abs: 0, samplingInterval: 2 ** 30, maxSnapshotHeap: 0 },
    });
    const skip = await host.waitFor((e) => e.event === 'skip' && e.kind === 'memory' && /heap profile not written/.test(String(e.reason)));
    expect(String(skip.reason)).toMatch(/no samples/);
    expect((await host.exit()).code).toBe(0);
    expect(host.count('dump')).toBe(0);
    expect(listDir(dumpDir)).toEqual([]);
  });
});

describe('a host that runs its own sampling heap profiler', () => {
  it("started before holmes-node: holmes-node reads it, says so, and the host's stopSampling still gets its profile", async () => {
    const dumpDir = freshDir();
    const host = await heapHost({ dumpDir });
    await host.send('stop');
    await host.send('own-heap-sampling-start');
    await host.send('start');
    await host.waitFor((e) => e.event === 'log' && /already running .* never stops it/.test(String(e.m)));
    await host.send('grow-heap 10');
    await host.send('set {"memory":{"min":0,"abs":0}}');
    const dump = await host.waitFor((e) => e.event === 'dump' && e.kind === 'memory');
    const meta = readJson(dump.metaFile);
    expect(meta.details.profiler).toMatch(/the host's sampling heap profiler/);
    expect(functionNames(readJson(dump.file).head)).toContain('leakRecordsInHolmesTest');
    // holmes-node stopped and started again, dumped, and the host's profile still runs
    await host.send('stop');
    await host.send('own-heap-sampling-stop');
    const own = await host.waitFor((e) => e.event === 'own-heap-profile');
    expect(own.samples).toBeGreaterThan(0);
    expect((await host.exit()).code).toBe(0);
  });

  it("started after holmes-node: the host's stopSampling still gets a profile", async () => {
    const dumpDir = freshDir();
    const host = await heapHost({ dumpDir, gc: { min: 100, abs: 100 } });
    await host.send('own-heap-sampling-start');
    await host.send('grow-heap 5');
    await host.send('own-heap-sampling-stop');
    expect((await host.waitFor((e) => e.event === 'own-heap-profile')).samples).toBeGreaterThan(0);
    expect((await host.exit()).code).toBe(0);
  });

  it('node --heap-prof still writes its profile at exit while holmes-node dumps from it', async () => {
    const dumpDir = freshDir();
    const profDir = freshDir('holmes-heap-prof-');
    const host = await heapHost({ dumpDir }, { nodeArgs: ['--heap-prof', `--heap-prof-dir=${profDir}`] });
    await host.send('grow-heap 10');
    await host.send('set {"memory":{"min":0,"abs":0}}');
    const dump = await host.waitFor((e) => e.event === 'dump' && e.kind === 'memory');
    expect(readJson(dump.metaFile).details.profiler).toMatch(/the host's/);
    expect((await host.exit()).code).toBe(0);
    const written = readdirSync(profDir).filter((name) => name.endsWith('.heapprofile'));
    expect(written).toHaveLength(1);
    expect(readJson(join(profDir, written[0]!)).samples.length).toBeGreaterThan(0);
  });
});

describe('under a real cgroup v1 memory limit', () => {
  it('a leaking service gets the live heap profile naming the allocator; the snapshot that would not fit is refused with its estimate', (ctx) => {
    requires(ctx, root, cgroupV1);
    const memory = v1Cgroup('memory', 'holmes-heap-test');
    writeFileSync(join(memory, 'memory.limit_in_bytes'), String(256 * MB));
    const dumpDir = freshDir();
    const options = { dumpDir, interval: 100, window: 5, memory: { min: 5, diff: 20, abs: 95 }, cpu: false, handles: false };
    // the shell joins the cgroup, then becomes the Node child, which leaks until its memory rule dumps
    const out = runNodeInCgroups([memory], fixture('scenario.mjs'), ['memory', JSON.stringify(options)]);
    const events = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const skip = events.find((e) => e.event === 'skip' && /heap snapshot not taken/.test(String(e.reason)));
    expect(String(skip?.reason), JSON.stringify(events)).toMatch(/would add about \d+ MB of RSS .* over the memory limit of 256 MB less a margin of 32 MB/);
    const dump = events.find((e) => e.event === 'dump');
    expect(String(dump?.file)).toMatch(/\.heapprofile$/);
    expect(functionNames(readJson(dump!.file).head)).toContain('leakRecordsInHolmesTest');
    const meta = readJson(dump!.metaFile);
    expect(meta.limits).toMatchObject({ memoryBytes: 256 * MB, memorySource: 'cgroup', cgroupVersion: 1 });
    expect(listDir(dumpDir).filter((name) => name.endsWith('.heapsnapshot'))).toEqual([]);
  });
});
