import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Holmes } from '../../src/holmes.js';
import { DumpLedger, LEDGER_NAME, VIEW_MAX_AGE_MS } from '../../src/pipeline/ledger.js';
import { freshDir, runOk, tempDir, waitUntil } from '../helpers/child.js';
import { requirement, requires } from '../helpers/requirements.js';

const HOUR = 3_600_000;

/**
 * Whether a file was opened and read is seen in its access time: with `relatime` (Linux's default) a read updates an
 * access time older than the modification time. `stale` sets it so (whole seconds, so the file's modification time,
 * which the ledger's view compares, is the same every time); `wasRead` says whether a read has happened since.
 */
const T = 1_700_000_000;
const stale = (file: string) => utimesSync(file, T - 100, T);
const wasRead = (file: string) => statSync(file).atimeMs > (T - 100) * 1000;

const atimeRecorded = requirement(
  'atime',
  () => {
    const file = join(tempDir(), 'probe');
    writeFileSync(file, 'x');
    stale(file);
    readFileSync(file);
    return wasRead(file);
  },
  "the temporary directory's file system records reads in the access time (relatime or strictatime, not noatime): the test sees through it whether the ledger was read",
);

describe('DumpLedger: the directory-wide hourly budget', () => {
  it('grants up to max starts in a sliding hour, then refuses with the count, and frees up as the hour passes', () => {
    const dir = tempDir();
    const ledger = new DumpLedger(dir, () => {});
    expect(ledger.startsInLastHour(0)).toBe(0);
    for (const t of [1000, 2000, 3000]) expect(ledger.claim(t, 3)).toEqual({ granted: true });
    expect(ledger.claim(4000, 3)).toEqual({ granted: false, started: 3 });
    // another process's ledger object sees the same directory
    expect(new DumpLedger(dir, () => {}).startsInLastHour(4000)).toBe(3);
    expect(ledger.claim(1000 + HOUR, 3)).toEqual({ granted: true });
    expect(statSync(join(dir, LEDGER_NAME)).mode & 0o777).toBe(0o600);
    // expired entries are dropped when the ledger is rewritten
    expect(readFileSync(join(dir, LEDGER_NAME), 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it("records a dump already written whatever the count (the watchdog's)", () => {
    const ledger = new DumpLedger(tempDir(), () => {});
    ledger.claim(0, 1);
    ledger.record(10);
    expect(ledger.startsInLastHour(20)).toBe(2);
  });

  it('takes over a lock left by a dead process, and gives up on one a live process holds', () => {
    const dir = tempDir();
    const ledger = new DumpLedger(dir, () => {});
    const lock = join(dir, `${LEDGER_NAME}.lock`);
    // a pid that has exited: a finished child's
    const dead = Number(runOk(process.execPath, ['-p', 'process.pid']).trim());
    writeFileSync(lock, String(dead));
    expect(ledger.claim(0, 5)).toEqual({ granted: true });
    writeFileSync(lock, String(process.pid));
    expect(() => ledger.claim(1, 5)).toThrow(/stayed locked by a live process/);
  });

  it('ignores lines that are not entries', () => {
    const dir = tempDir();
    writeFileSync(join(dir, LEDGER_NAME), 'garbage\n5 1\n\n7 x\n');
    expect(new DumpLedger(dir, () => {}).startsInLastHour(10)).toBe(1);
  });

  it('recentStarts, asked every tick, reads the file only when another write replaced it or its view is old', (ctx) => {
    requires(ctx, atimeRecorded);
    const dir = tempDir();
    const file = join(dir, LEDGER_NAME);
    const other = new DumpLedger(dir, () => {});
    const mine = new DumpLedger(dir, () => {});
    expect(mine.recentStarts(0)).toBe(0);
    other.claim(1000, 10);
    stale(file);
    expect(mine.recentStarts(1001)).toBe(1);
    expect(wasRead(file)).toBe(true);
    stale(file);
    for (let tick = 1; tick <= 50; tick++) expect(mine.recentStarts(1001 + tick * 100)).toBe(1);
    expect(wasRead(file), 'the unchanged ledger was opened again').toBe(false);
    // another process's start is seen at the next tick: its rewrite is a new file
    other.claim(HOUR - 5000, 10);
    stale(file);
    expect(mine.recentStarts(HOUR - 4999)).toBe(2);
    expect(wasRead(file)).toBe(true);
    // entries age out of the view without a read
    stale(file);
    expect(mine.recentStarts(HOUR + 1001)).toBe(1);
    expect(wasRead(file)).toBe(false);
    // and a view older than VIEW_MAX_AGE_MS is read again even when the file looks the same
    expect(mine.recentStarts(HOUR - 4999 + VIEW_MAX_AGE_MS + 1)).toBe(1);
    expect(wasRead(file)).toBe(true);
  });

  it("a Holmes with the watchdog on does not open the ledger on a tick where nothing fires, yet sees another process's dump", async (ctx) => {
    requires(ctx, atimeRecorded);
    const dumpDir = freshDir();
    const holmes = new Holmes({
      dumpDir,
      interval: 3_600_000,
      eventLoop: { block: 5000, min: 1e8, abs: 1e9, diff: 1e9 },
      cpu: false,
      memory: false,
      handles: false,
      heap: false,
      gc: false,
    }).start();
    try {
      await waitUntil(() => existsSync(dumpDir), 'the dump directory');
      const file = join(dumpDir, LEDGER_NAME);
      const other = new DumpLedger(dumpDir, () => {});
      other.claim(Date.now(), 10);
      stale(file);
      holmes.sampleNow();
      expect(wasRead(file), 'the first tick reads the new ledger').toBe(true);
      stale(file);
      for (let tick = 0; tick < 20; tick++) holmes.sampleNow();
      expect(wasRead(file), 'a tick opened the unchanged ledger').toBe(false);
      expect(existsSync(`${file}.lock`)).toBe(false);
      other.claim(Date.now(), 10);
      stale(file);
      holmes.sampleNow();
      expect(wasRead(file), "the tick after another process's claim reads it").toBe(true);
    } finally {
      await holmes.stop();
    }
  });
});
