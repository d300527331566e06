import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BlockDetector } from '../../src/watchdog/detector.js';
import { heartbeatInterval, since } from '../../src/watchdog/protocol.js';
import { LEDGER_NAME } from '../../src/pipeline/ledger.js';
import { fixture, freshDir, listDir, startChild as start, waitUntil } from '../helpers/child.js';
import { heapHost } from '../helpers/heap-host.js';

const FIXTURE = fixture('block.mjs');
const SOURCE = readFileSync(FIXTURE, 'utf8').split('\n');
/** 1-based line of the first fixture code line (not a comment) containing `text`. */
const lineOf = (text: string): number => SOURCE.findIndex((line) => line.includes(text) && !line.trimStart().startsWith('//')) + 1;

interface Frame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface BlockFile {
  blockMs: number;
  blockedMs: number;
  captureLatencyMs: number;
  stack: Frame[];
  callFrames: Array<{ functionName: string; location: { lineNumber: number } }>;
}

/** A child running fixtures/block.mjs in this mode (killed at teardown if still running). */
const startChild = (mode: string, options: object) => start(FIXTURE, [mode, JSON.stringify(options)]);

/** fixtures/block.mjs counts threads in /proc/self/task, and says null where there is none (not Linux). */
const countsThreads = existsSync('/proc/self/task');

function expectPrivateFile(path: string): void {
  expect(existsSync(path), path).toBe(true);
  expect(statSync(path).mode & 0o777).toBe(0o600);
}

describe('block watchdog, end to end', () => {
  it('takes the stack of a 3 s synchronous block while it is still blocked, then the process exits by itself', async () => {
    const dir = freshDir('holmes-block-');
    const run = startChild('block', { dumpDir: dir, eventLoop: { block: 500 } });
    const { code } = await run.exit();
    expect(code, run.stderr + JSON.stringify(run.events)).toBe(0);

    const names = run.events.map((e) => e.event);
    expect(names).toEqual(expect.arrayContaining(['blocking', 'resumed', 'dump', 'end']));
    const resumed = run.events.find((e) => e.event === 'resumed')!;
    const dump = run.events.find((e) => e.event === 'dump')!;
    expect(dump.kind).toBe('eventLoop');
    // the worker wrote it while the loop stood still; the main thread heard of it once it ran again
    expect(dump.at as number).toBeGreaterThanOrEqual(resumed.at as number);

    const file = dump.file as string;
    const metaFile = dump.metaFile as string;
    expect(file).toMatch(/eventLoop-\d{8}T\d{6}\.\d{3}Z-\d+\.block\.json$/);
    expect(metaFile).toBe(file.replace(/\.block\.json$/, '.meta.json'));
    expectPrivateFile(file);
    expectPrivateFile(metaFile);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(listDir(dir)).toEqual([basename(file), basename(metaFile)]); // no temporary file left

    const block = JSON.parse(readFileSync(file, 'utf8')) as BlockFile;
    expect(block.blockMs).toBe(500);
    // captured while blocked: after `block` ms of stand-still, before the 3 s block ended
    expect(block.blockedMs).toBeGreaterThanOrEqual(500);
    expect(block.blockedMs).toBeLessThan(3000);
    expect(block.captureLatencyMs).toBeGreaterThanOrEqual(0);

    // the top of the stack is the blocking code: the helper it spins in, or the loop itself
    const names0 = block.stack.map((f) => f.functionName);
    expect(['spinInHolmesTest', 'blockTheLoopInHolmesTest']).toContain(names0[0]);
    const blocker = names0.indexOf('blockTheLoopInHolmesTest');
    expect(blocker).toBeGreaterThanOrEqual(0);
    expect(blocker).toBeLessThanOrEqual(1);
    const frame = block.stack[blocker]!;
    expect(frame.url).toMatch(/\/test\/fixtures\/block\.mjs$/);
    // 1-based: the line that calls the helper, or the loop condition on the same line
    expect(frame.lineNumber).toBe(lineOf('x += spinInHolmesTest(x)'));
    expect(frame.columnNumber).toBeGreaterThanOrEqual(1);
    // the top frame: the helper on one of its first lines (blocker 1), or the loop itself on the calling line (blocker 0)
    const spinLine = lineOf('function spinInHolmesTest');
    const [low, high] = blocker === 1 ? [spinLine, spinLine + 2] : [frame.lineNumber, frame.lineNumber];
    expect(block.stack[0]!.lineNumber).toBeGreaterThanOrEqual(low);
    expect(block.stack[0]!.lineNumber).toBeLessThanOrEqual(high);
    // raw frames stay 0-based, as the protocol sends them, and hold no scopes
    expect(block.callFrames[blocker]!.location.lineNumber).toBe(frame.lineNumber - 1);
    expect(JSON.stringify(block.callFrames)).not.toContain('scopeChain');

    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as Record<string, any>;
    expect(meta).toMatchObject({
      kind: 'eventLoop',
      file: basename(file),
      reason: { rule: 'eventLoop', value: block.blockedMs, average: 0, trigger: 'block', thresholds: { block: 500 } },
      pid: run.pid,
    });
    expect(meta.summary).toMatch(/^eventLoop blocked for \d+ ms >= block 500 ms, in (spinInHolmesTest|blockTheLoopInHolmesTest) \(block\.mjs:\d+:\d+\)$/);
    expect(Date.parse(meta.endTime)).toBeGreaterThanOrEqual(Date.parse(meta.startTime));

    // blocked at once after start(): the dump still counts in the directory's shared ledger, with nothing to warn about
    expect(run.events.filter((e) => e.event === 'log' && e.level !== 'info')).toEqual([]);
    expect(readFileSync(join(dir, LEDGER_NAME), 'utf8').trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^\\d+ ${run.pid}$`))]);

    // the watchdog is one more thread, and only while started
    const blocking = run.events.find((e) => e.event === 'blocking')!;
    expect(blocking.threadsBefore === null, 'threads are counted where /proc/self/task exists').toBe(!countsThreads);
    expect(blocking.threadsAfter).toBe(countsThreads ? (blocking.threadsBefore as number) + 1 : null);
  });

  it('diagnoses an infinite loop: the dump appears while the child still spins', async () => {
    const dir = freshDir('holmes-block-');
    const run = startChild('forever', { dumpDir: dir, eventLoop: { block: 500 } });
    await waitUntil(() => run.events.some((e) => e.event === 'blocking'), 'the child to start blocking');
    // the meta is written after the dump: once it is there, both are complete
    const metaName = await waitUntil(() => {
      if (!run.running) throw new Error(`child exited: ${run.stderr}`);
      // the final name only: a temporary file `.holmes-tmp-…` is renamed into place when whole
      return existsSync(dir) ? listDir(dir).find((name) => /^eventLoop-.*\.meta\.json$/.test(name)) : undefined;
    }, 'the .meta.json of the blocked loop');
    expect(run.running).toBe(true); // still spinning (killed at teardown)
    expect(run.events.at(-1)!.event).toBe('blocking'); // and has not said a word since it began

    const file = join(dir, metaName.replace(/\.meta\.json$/, '.block.json'));
    expectPrivateFile(file);
    const block = JSON.parse(readFileSync(file, 'utf8')) as BlockFile;
    expect(block.stack[0]!.functionName).toBe('spinForeverInHolmesTest');
    expect(block.stack[0]!.lineNumber).toBe(lineOf('while (true) {}'));
    expect(block.blockedMs).toBeGreaterThanOrEqual(500);
    const meta = JSON.parse(readFileSync(join(dir, metaName), 'utf8')) as Record<string, any>;
    expect(meta.summary).toContain('spinForeverInHolmesTest');
  });

  it('never keeps the process alive: started, never stopped, the child still ends by itself', async () => {
    const dir = freshDir('holmes-block-');
    const run = startChild('nostop', { dumpDir: dir, eventLoop: { block: 500 } });
    const { code } = await run.exit();
    expect(code, run.stderr).toBe(0);
    // after the block, the child only hears of it (if the worker's message lands before the loop empties): no timer
    // or handle of holmes-node's runs on
    const resumed = run.events.findIndex((e) => e.event === 'resumed');
    expect(resumed).toBeGreaterThan(0);
    const after = run.events.slice(resumed + 1);
    expect(
      after.every((e) => e.event === 'dump' || (e.event === 'log' && /block/.test(String(e.m)))),
      JSON.stringify(after),
    ).toBe(true);
    // the worker wrote its dump during the 1 s block, whether or not the main thread heard of it before it ended
    expect(listDir(dir).filter((name) => /^eventLoop-.*\.block\.json$/.test(name))).toHaveLength(1);
  });

  it('with block 0 (the default) there is no worker and a blocked loop leaves no dump', async () => {
    const dir = freshDir('holmes-block-');
    const run = startChild('off', { dumpDir: dir });
    const { code } = await run.exit();
    expect(code, run.stderr).toBe(0);
    expect(run.events.map((e) => e.event)).toEqual(expect.arrayContaining(['blocking', 'resumed', 'end']));
    expect(run.events.filter((e) => e.event === 'dump')).toEqual([]);
    expect(existsSync(dir) ? listDir(dir).filter((name) => name.includes('.block.')) : []).toEqual([]);
    const blocking = run.events.find((e) => e.event === 'blocking')!;
    expect(blocking.threadsBefore === null, 'threads are counted where /proc/self/task exists').toBe(!countsThreads);
    expect(blocking.threadsAfter).toBe(blocking.threadsBefore);
  });
});

describe("block watchdog decision (the worker's detector)", () => {
  it('acts once per blocked episode and re-arms when the heartbeat moves again', () => {
    const detector = new BlockDetector(500, 0);
    expect(detector.observe(1, 0, 100)).toEqual({ action: 'none' });
    expect(detector.dueIn(100)).toBe(400);
    expect(detector.observe(1, 0, 499)).toEqual({ action: 'none' });
    expect(detector.observe(1, 0, 500)).toEqual({ action: 'capture' });
    expect(detector.armed).toBe(false);
    expect(detector.observe(1, 0, 900)).toEqual({ action: 'none' });
    expect(detector.observe(1, 0, 5000)).toEqual({ action: 'none' });
    // the loop ran again: the stand-still lasted from the last beat before it to the first beat after it
    expect(detector.observe(2, 5010, 5020)).toEqual({ action: 'resumed', blockedMs: 5010 });
    expect(detector.armed).toBe(true);
    expect(detector.observe(2, 5010, 5510)).toEqual({ action: 'capture' });
  });

  it('lets an episode go within the cooldown of the previous capture, and catches the next one after it', () => {
    const detector = new BlockDetector(500, 10_000);
    expect(detector.observe(1, 0, 600)).toEqual({ action: 'capture' });
    detector.coolDown(650);
    expect(detector.observe(2, 700, 800).action).toBe('resumed');
    expect(detector.observe(2, 700, 1200)).toEqual({ action: 'cooldown' });
    expect(detector.observe(2, 700, 1300)).toEqual({ action: 'none' }); // said once per episode
    expect(detector.observe(3, 11_000, 11_000).action).toBe('resumed');
    expect(detector.observe(3, 11_000, 11_500)).toEqual({ action: 'capture' });
  });

  it('a healthy heartbeat never fires, and times compare across the int32 wrap of the clock', () => {
    const detector = new BlockDetector(100, 0);
    for (let beat = 1; beat <= 1000; beat++) expect(detector.observe(beat, beat * 25, beat * 25 + 99).action).toBe('none');
    const late = 2 ** 31 - 100;
    const wrapped = (late + 400) | 0;
    expect(wrapped).toBeLessThan(0);
    expect(since(wrapped, late)).toBe(400);
    const wrap = new BlockDetector(300, 0);
    expect(wrap.observe(7, late, late + 10)).toEqual({ action: 'none' });
    expect(wrap.observe(7, late, wrapped)).toEqual({ action: 'capture' });
  });

  it('beats every min(100, block / 4) ms', () => {
    expect(heartbeatInterval(100)).toBe(25);
    expect(heartbeatInterval(250)).toBe(62);
    expect(heartbeatInterval(400)).toBe(100);
    expect(heartbeatInterval(600_000)).toBe(100);
  });
});

describe("block watchdog and holmes-node's own stalls", () => {
  it('a heap snapshot stalls the loop on purpose: it is not reported as a block', async () => {
    const dumpDir = freshDir();
    const host = await heapHost({
      dumpDir,
      interval: 100,
      // no cooldown for blocks: one caught while the heap grows must not hide the real block at the end
      eventLoop: { enabled: true, block: 300, min: 1e6, abs: 1e6, cooldown: 0 },
      memory: { enabled: false, maxSnapshotHeap: 2 ** 31 },
    });
    await host.send('grow-heap 30'); // a snapshot of this stalls the loop for a second or more
    await host.send('set {"memory":{"enabled":true,"min":0,"diff":0,"abs":0}}');
    // a snapshot takes tens of seconds on a loaded machine. The dump is the snapshot alone when the heap profile has
    // no samples yet (the always-on profiler starts with the rule), else the profile with the snapshot beside it
    const dump = await host.waitFor((e) => e.event === 'dump' && e.kind === 'memory', 0, 120_000);
    const details = dump.details as { stallMs?: number; files?: string[]; snapshot?: { stallMs: number } };
    const files = [String(dump.file), ...(details.files ?? [])];
    expect(
      files.some((file) => file.endsWith('.heapsnapshot')),
      JSON.stringify(dump),
    ).toBe(true);
    expect(details.snapshot?.stallMs ?? details.stallMs).toBeGreaterThan(300);
    // A block the snapshot caused would be detected while it stalled, so inside the memory dump's own time span (the
    // worker's detection time is the block dump's startTime, on the same clock). Growing the heap, or the machine
    // itself stalling for 300 ms on a loaded machine, is a real block outside that span, rightly caught: not counted.
    const [stallFrom, stallTo] = [Date.parse(String(dump.startTime)), Date.parse(String(dump.endTime))];
    const blocksInStall = () =>
      host.events.filter((e) => {
        if (e.event !== 'dump' || e.kind !== 'eventLoop') return false;
        const detected = Date.parse(String(e.startTime));
        return detected >= stallFrom && detected <= stallTo;
      });
    // a worker message sent during the stall would have arrived by the time the loop has turned a few times
    await host.send('set {"memory":{"enabled":false}}');
    await host.ping();
    expect(blocksInStall()).toEqual([]);
    // the watchdog is alive and well: a real block right after is caught, detected after the stall
    const from = host.events.length;
    await host.send('block 600');
    const caught = await host.waitFor((e) => e.event === 'dump' && e.kind === 'eventLoop', from);
    expect(String(caught.file)).toMatch(/\.block\.json$/);
    expect(Date.parse(String(caught.startTime))).toBeGreaterThan(stallTo);
    expect(blocksInStall()).toEqual([]);
    expect((await host.exit()).code).toBe(0);
  }, 240_000);
});
