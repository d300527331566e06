import { mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { enforceRetention } from '../../src/sinks/retention.js';

function dirWith(dumps: Array<[base: string, ext: string, bytes: number]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'holmes-retention-'));
  for (const [base, ext, bytes] of dumps) {
    writeFileSync(join(dir, `${base}.${ext}`), Buffer.alloc(bytes));
    writeFileSync(join(dir, `${base}.meta.json`), '{}');
  }
  return dir;
}

const older = 'cpu-20261125T060000.000Z-10';
const middle = 'memory-20261125T060100.000Z-10';
const newer = 'handles-20261125T060200.000Z-11';
const newest = 'eventLoop-20261125T060300.000Z-11';

describe('enforceRetention', () => {
  it('removes the oldest dumps first, by time not by kind, each with its meta', async () => {
    const dir = dirWith([
      [newer, 'handles.json', 10],
      [older, 'cpuprofile', 10],
      [middle, 'heapsnapshot', 10],
      [newest, 'cpuprofile', 10],
    ]);
    expect(await enforceRetention(dir, { maxDumps: 2, maxDumpBytes: 1e9 }, newest)).toEqual([older, middle]);
    expect(readdirSync(dir).sort()).toEqual([`${newest}.cpuprofile`, `${newest}.meta.json`, `${newer}.handles.json`, `${newer}.meta.json`]);
  });

  it('keeps the total size within maxDumpBytes, never removing the dump just written', async () => {
    const dir = dirWith([
      [older, 'cpuprofile', 400],
      [middle, 'heapsnapshot', 400],
      [newest, 'heapsnapshot', 5000],
    ]);
    expect(await enforceRetention(dir, { maxDumps: 10, maxDumpBytes: 1000 }, newest)).toEqual([older, middle]);
    expect(readdirSync(dir)).toContain(`${newest}.heapsnapshot`);
  });

  it('touches only its own regular files: other files and links named like dumps stay', async () => {
    const dir = dirWith([
      [older, 'cpuprofile', 10],
      [newest, 'cpuprofile', 10],
    ]);
    const outside = join(mkdtempSync(join(tmpdir(), 'holmes-outside-')), 'secret.txt');
    writeFileSync(outside, 'keep me');
    symlinkSync(outside, join(dir, 'handles-20000101T000000.000Z-1.handles.json'));
    writeFileSync(join(dir, 'notes.txt'), 'x');
    writeFileSync(join(dir, 'cpu-by-hand.cpuprofile'), 'x');
    await enforceRetention(dir, { maxDumps: 1, maxDumpBytes: 1e9 }, newest);
    expect(readdirSync(dir).sort()).toEqual(
      [`${newest}.cpuprofile`, `${newest}.meta.json`, 'cpu-by-hand.cpuprofile', 'handles-20000101T000000.000Z-1.handles.json', 'notes.txt'].sort(),
    );
    expect(readFileSync(outside, 'utf8')).toBe('keep me');
  });

  it('with nothing to keep (before a write) prunes down to the bound given', async () => {
    const dir = dirWith([
      [older, 'cpuprofile', 10],
      [newest, 'cpuprofile', 10],
    ]);
    expect(await enforceRetention(dir, { maxDumps: 1, maxDumpBytes: 1e9 }, null)).toEqual([older]);
  });
});
