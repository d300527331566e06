import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DumpLedger, LEDGER_NAME } from '../../src/pipeline/ledger.js';
import { runOk, tempDir } from '../helpers/child.js';

const HOUR = 3_600_000;

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
});
