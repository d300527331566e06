import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixture, freshDir, listDir, startChild, type ChildEvent } from '../helpers/child.js';

const FIXTURE = fixture('block.mjs');

/** Runs fixtures/block.mjs to its end (bounded; killed at teardown otherwise). */
async function runBlockChild(mode: string, options: object): Promise<{ code: number | null; events: ChildEvent[]; stderr: string }> {
  const child = startChild(FIXTURE, [mode, JSON.stringify(options)]);
  const { code } = await child.exit();
  return { code, events: child.events, stderr: child.stderr };
}

describe('the block watchdog goes through the dump pipeline', () => {
  it('counts its dumps against maxDumpsPerHour: a loop blocking 150 ms every 200 ms for 6 s leaves exactly 3 block dumps', async () => {
    const dumpDir = freshDir('holmes-block-budget-');
    const { code, events, stderr } = await runBlockChild('flap', {
      dumpDir,
      maxDumps: 5,
      maxDumpsPerHour: 3,
      cooldown: 0,
      eventLoop: { block: 100 },
    });
    expect(code, stderr).toBe(0);
    const dumps = events.filter((e) => e.event === 'dump');
    expect(dumps).toHaveLength(3);
    const files = readdirSync(dumpDir);
    expect(files.filter((name) => name.endsWith('.block.json'))).toHaveLength(3);
    // every dump came with its meta, and nothing half-written is left
    expect(files.filter((name) => name.endsWith('.meta.json'))).toHaveLength(3);
    expect(files.filter((name) => name.startsWith('.holmes-tmp-'))).toEqual([]);
    // the budget's refusal is reported (once, not at every blocked episode)
    const skips = events.filter((e) => e.event === 'skip');
    expect(skips).toHaveLength(1);
    expect(skips[0]).toMatchObject({ kind: 'eventLoop' });
    expect(String(skips[0]!.reason)).toMatch(/maxDumpsPerHour/);
  });

  it('keeps the directory within maxDumps while it writes, the oldest going first', async () => {
    const dumpDir = freshDir('holmes-block-budget-');
    const { code, events, stderr } = await runBlockChild('flap', { dumpDir, maxDumps: 2, maxDumpsPerHour: 1000, cooldown: 0, eventLoop: { block: 100 } });
    expect(code, stderr).toBe(0);
    const written = events.filter((e) => e.event === 'dump').map((e) => String(e.file).split('/').pop()!);
    expect(written.length).toBeGreaterThan(2);
    const left = listDir(dumpDir);
    // the two newest block dumps, each with its meta; nothing else, nothing half-written
    const newest = written.slice(-2).sort();
    expect(left).toEqual([...newest.flatMap((name) => [name, name.replace(/\.block\.json$/, '.meta.json')])].sort());
  });

  it('shares the hourly budget with the sampled rules: with the budget spent by the watchdog, no rule may dump', async () => {
    const dumpDir = freshDir('holmes-block-budget-');
    const { code, events, stderr } = await runBlockChild('flap', {
      dumpDir,
      maxDumpsPerHour: 1,
      cooldown: 0,
      interval: 100,
      window: 1,
      eventLoop: { block: 100, min: 0, abs: 0, profileDuration: 500 },
    });
    expect(code, stderr).toBe(0);
    // one dump in all, whichever came first; every later fire of either kind is refused by the same budget
    expect(events.filter((e) => e.event === 'dump')).toHaveLength(1);
    const files = readdirSync(dumpDir).filter((name) => !name.endsWith('.meta.json') && !name.startsWith('.'));
    expect(files).toHaveLength(1);
    const reasons = events.filter((e) => e.event === 'skip').map((e) => String(e.reason));
    expect(reasons.every((reason) => /maxDumpsPerHour/.test(reason))).toBe(true);
    // both sides were refused: the watchdog's worker and the sampled eventLoop rule
    expect(
      reasons.some((reason) => /no stack taken/.test(reason)),
      reasons.join('\n'),
    ).toBe(true);
    expect(
      reasons.some((reason) => /^eventLoop rule fired but no dump was taken/.test(reason)),
      reasons.join('\n'),
    ).toBe(true);
  });
});
