import { lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshDir, Host, listDir, waitUntil } from '../helpers/child.js';
import { ARMED_NOT_FIRING, heapHost } from '../helpers/heap-host.js';

const everyTick = { min: 0, diff: 0, abs: 0 };
/** holmes-node's file names; group 1 is the base a dump shares with its meta. */
const OWN = /^([a-zA-Z]+-\d{8}T\d{6}\.\d{3}Z-\d+)\./;

/** holmes-node's own files with their sizes; a file removed by retention between listing and stat is left out. */
function ownFiles(dir: string): Array<{ name: string; size: number }> {
  const files: Array<{ name: string; size: number }> = [];
  for (const name of readdirSync(dir)) {
    if (!OWN.test(name)) continue;
    try {
      const info = lstatSync(join(dir, name));
      if (info.isFile()) files.push({ name, size: info.size });
    } catch {
      // removed by retention meanwhile
    }
  }
  return files;
}
function dumpsIn(dir: string): number {
  return new Set(ownFiles(dir).map(({ name }) => OWN.exec(name)![1])).size;
}
function bytesIn(dir: string): number {
  return ownFiles(dir).reduce((sum, file) => sum + file.size, 0);
}

describe('bounds', () => {
  it('a storm of 2000 triggers keeps the directory within maxDumps and maxDumpBytes, one dump at a time, and touches nothing else', {
    timeout: 180_000,
  }, async () => {
    const dumpDir = freshDir();
    mkdirSync(dumpDir, { mode: 0o700 });
    // files that are not holmes-node's own must survive retention, and a link must not be followed
    const outside = join(dirname(dumpDir), 'outside.txt');
    writeFileSync(outside, 'precious');
    writeFileSync(join(dumpDir, 'notes.txt'), 'operator notes');
    writeFileSync(join(dumpDir, 'cpu-by-hand.cpuprofile'), '{}');
    symlinkSync(outside, join(dumpDir, 'handles-20000101T000000.000Z-1.handles.json'));

    const maxDumps = 5;
    const maxDumpBytes = 2 ** 20;
    const host = await Host.start({
      dumpDir,
      interval: 10,
      window: 1,
      cooldown: 0,
      maxDumps,
      maxDumpBytes,
      maxDumpsPerHour: 1_000_000,
      handles: everyTick,
      cpu: { ...everyTick, profileDuration: 10 },
      memory: false,
    });
    let checks = 0;
    // every reading of either series is a trigger: wait for 1000 readings of each, checking the bound meanwhile.
    // About a minute on an idle 2-core machine (a dump per reading), so bounded well above that, below the test's timeout.
    await waitUntil(
      async () => {
        expect(dumpsIn(dumpDir)).toBeLessThanOrEqual(maxDumps);
        checks++;
        return ((await host.readings()).handles?.samples ?? 0) >= 1000;
      },
      '1000 readings of handles',
      { timeoutMs: 160_000, intervalMs: 50 },
    );
    expect(await host.ping()).toBe('pong');
    expect((await host.exit()).code).toBe(0);
    expect(checks).toBeGreaterThan(5);

    expect(dumpsIn(dumpDir)).toBeLessThanOrEqual(maxDumps);
    expect(bytesIn(dumpDir)).toBeLessThanOrEqual(maxDumpBytes);
    expect(readFileSync(outside, 'utf8')).toBe('precious');
    expect(readdirSync(dumpDir)).toEqual(expect.arrayContaining(['notes.txt', 'cpu-by-hand.cpuprofile', 'handles-20000101T000000.000Z-1.handles.json']));
    expect(readdirSync(dumpDir).filter((name) => name.startsWith('.holmes-tmp-'))).toEqual([]);

    // dumps never overlapped: each started after the previous one ended
    const spans = host.events
      .filter((e) => e.event === 'dump')
      .map((e) => [Date.parse(e.startTime as string), Date.parse(e.endTime as string)] as const)
      .sort((a, b) => a[0] - b[0]);
    expect(spans.length).toBeGreaterThanOrEqual(2); // so the loop below compares something
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
    expect(new Set(host.events.filter((e) => e.event === 'dump').map((e) => e.kind))).toEqual(new Set(['cpu', 'handles']));
  });

  it('maxDumpsPerHour is a ceiling whatever the rules say', async () => {
    const dumpDir = freshDir();
    const host = await Host.start({ dumpDir, interval: 20, window: 1, cooldown: 0, maxDumpsPerHour: 3, handles: everyTick, cpu: false, memory: false });
    const skip = await host.waitFor((e) => e.event === 'skip');
    expect(String(skip.reason)).toContain('maxDumpsPerHour (3)');
    const after = host.events.length;
    await host.waitFor((e) => e.event === 'skip', after);
    expect(host.count('dump')).toBe(3);
    expect((await host.exit()).code).toBe(0);
  });

  it('no dump starts while the CPU reading is at or above cpuMax', async () => {
    const dumpDir = freshDir();
    // cpuMax well below what a burning process reads even on a shared, loaded machine
    const host = await Host.start({
      dumpDir,
      interval: 100,
      window: 1,
      cooldown: 0,
      cpuMax: 10,
      handles: { ...everyTick, enabled: false },
      cpu: false,
      memory: false,
    });
    await host.send('burn 20000');
    await waitUntil(async () => ((await host.readings()).cpu?.value ?? 0) >= 30, 'a CPU reading of 30% or more', { intervalMs: 100 });
    await host.send('set {"handles":{"enabled":true}}');
    const skip = await host.waitFor((e) => e.event === 'skip');
    expect(String(skip.reason)).toMatch(/CPU at \d+% is at or above cpuMax \(10%\)/);
    expect(host.count('dump')).toBe(0);
    expect((await host.exit()).code).toBe(0);
  });

  it('a heap too large to snapshot gets only the live heap profile, naming the allocating function', async () => {
    const dumpDir = freshDir();
    // out of reach until the leak is in the always-on profile
    const host = await heapHost({ dumpDir, memory: { ...ARMED_NOT_FIRING, maxSnapshotHeap: 2 ** 20 } });
    for (let i = 0; i < 5; i++) await host.send('leak 50000');
    await host.send('set {"memory":{"min":0,"abs":0}}');
    const skip = await host.waitFor((e) => e.event === 'skip' && e.kind === 'memory');
    expect(String(skip.reason)).toContain('memory.maxSnapshotHeap');
    const dump = await host.waitFor((e) => e.event === 'dump' && e.kind === 'memory');
    expect(String(dump.file)).toMatch(/\.heapprofile$/);
    const profile = JSON.parse(readFileSync(dump.file as string, 'utf8'));
    const names: string[] = [];
    const walk = (node: { callFrame: { functionName: string }; children: unknown[] }) => {
      names.push(node.callFrame.functionName);
      for (const child of node.children) walk(child as typeof node);
    };
    walk(profile.head);
    expect(names).toContain('leakRecordsInHolmesTest');
    const meta = JSON.parse(readFileSync(dump.metaFile as string, 'utf8'));
    expect(meta.details.snapshotSkipped).toContain('maxSnapshotHeap');
    expect(meta.details.profiler).toBe('holmes-node');
    expect(listDir(dumpDir).filter((name) => name.endsWith('.heapsnapshot'))).toEqual([]);
    expect((await host.exit()).code).toBe(0);
  });

  it('a problem that begins while another dump runs is still caught once that dump is over', async () => {
    const dumpDir = freshDir();
    const host = await Host.start({
      dumpDir,
      interval: 100,
      window: 5,
      cooldown: 60_000,
      memory: false,
      cpu: { min: 0, diff: 0, abs: 0, profileDuration: 2000, enabled: false },
      handles: { min: 50, diff: 50, abs: 100_000 },
    });
    // the handles ring warms up on the idle baseline: full (window 5) and then some, as fixtures/scenario.mjs waits
    await waitUntil(async () => ((await host.readings()).handles?.samples ?? 0) >= 7, 'the handles ring to fill on the idle baseline', { intervalMs: 50 });
    await host.send('set {"cpu":{"enabled":true}}');
    await host.waitFor((e) => e.event === 'log' && String(e.m).startsWith('holmes-node: taking a cpu dump'));
    await host.send('timers 200'); // the leak begins during the 2 s CPU profile
    const dump = await host.waitFor((e) => e.event === 'dump' && e.kind === 'handles');
    const cpu = host.events.find((e) => e.event === 'dump' && e.kind === 'cpu')!;
    expect(Date.parse(dump.startTime as string)).toBeGreaterThanOrEqual(Date.parse(cpu.endTime as string));
    const meta = JSON.parse(readFileSync(dump.metaFile as string, 'utf8'));
    // compared with the baseline from before the CPU profile, not with readings taken during it
    expect(meta.reason.average).toBeLessThan(50);
    expect(meta.reason.value).toBeGreaterThanOrEqual(200);
    expect((await host.exit()).code).toBe(0);
  });
});
