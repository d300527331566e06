import { readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { enforceRetention } from '../../src/sinks/retention.js';
import { tempDir } from '../helpers/child.js';

function dirWith(dumps: Array<[base: string, ext: string, bytes: number]>): string {
  const dir = tempDir('holmes-retention-');
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

/** Liveness for dumps of processes that are gone: nothing is protected but the dump just written. */
const dead = () => false;

describe('enforceRetention', () => {
  it('removes the oldest dumps first, each with its meta (one dump of each kind: time decides)', async () => {
    const dir = dirWith([
      [newer, 'handles.json', 10],
      [older, 'cpuprofile', 10],
      [middle, 'heapsnapshot', 10],
      [newest, 'cpuprofile', 10],
    ]);
    expect(await enforceRetention(dir, { maxDumps: 2, maxDumpBytes: 1e9 }, newest, dead)).toEqual([older, middle]);
    expect(readdirSync(dir).sort()).toEqual([`${newest}.cpuprofile`, `${newest}.meta.json`, `${newer}.handles.json`, `${newer}.meta.json`]);
  });

  it('keeps the total size within maxDumpBytes, never removing the dump just written', async () => {
    const dir = dirWith([
      [older, 'cpuprofile', 400],
      [middle, 'heapsnapshot', 400],
      [newest, 'heapsnapshot', 5000],
    ]);
    expect(await enforceRetention(dir, { maxDumps: 10, maxDumpBytes: 1000 }, newest, dead)).toEqual([older, middle]);
    expect(readdirSync(dir)).toContain(`${newest}.heapsnapshot`);
  });

  it('touches only its own regular files: other files and links named like dumps stay', async () => {
    const dir = dirWith([
      [older, 'cpuprofile', 10],
      [newest, 'cpuprofile', 10],
    ]);
    const outside = join(tempDir('holmes-outside-'), 'secret.txt');
    writeFileSync(outside, 'keep me');
    symlinkSync(outside, join(dir, 'handles-20000101T000000.000Z-1.handles.json'));
    writeFileSync(join(dir, 'notes.txt'), 'x');
    writeFileSync(join(dir, 'cpu-by-hand.cpuprofile'), 'x');
    await enforceRetention(dir, { maxDumps: 1, maxDumpBytes: 1e9 }, newest, dead);
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
    expect(await enforceRetention(dir, { maxDumps: 1, maxDumpBytes: 1e9 }, null, dead)).toEqual([older]);
  });

  it('many processes, one directory: never removes the newest dump of a kind of a live process, however old', async () => {
    const workerA = 'eventLoop-20261125T050000.000Z-101';
    const cpuOfB = Array.from({ length: 6 }, (_, i) => `cpu-20261125T06000${i}.000Z-102`);
    const dir = dirWith([[workerA, 'block.json', 10], ...cpuOfB.map((base): [string, string, number] => [base, 'cpuprofile', 10])]);
    const live = (pid: number) => pid === 101 || pid === 102;
    const removed = await enforceRetention(dir, { maxDumps: 3, maxDumpBytes: 1e9 }, cpuOfB[5]!, live);
    // A's only block dump stays although it is the oldest; B's CPU profiles go oldest first down to the bound
    expect(removed).toEqual(cpuOfB.slice(0, 4));
    expect(readdirSync(dir)).toContain(`${workerA}.block.json`);
    // once A is gone, its dump is like any other
    expect(await enforceRetention(dir, { maxDumps: 1, maxDumpBytes: 1e9 }, cpuOfB[5]!, (pid) => pid === 102)).toEqual([workerA, cpuOfB[4]]);
  });

  it('may exceed the bounds by the protected dumps only, and says nothing is left to remove', async () => {
    const dir = dirWith([
      ['cpu-20261125T060000.000Z-201', 'cpuprofile', 10],
      ['handles-20261125T060001.000Z-201', 'handles.json', 10],
      ['cpu-20261125T060002.000Z-202', 'cpuprofile', 10],
    ]);
    expect(await enforceRetention(dir, { maxDumps: 1, maxDumpBytes: 1e9 }, null, () => true)).toEqual([]);
    expect(readdirSync(dir).filter((name) => name.endsWith('.meta.json'))).toHaveLength(3);
  });

  it('takes from the most numerous kind first, so a flood of one kind gives way before single dumps of others', async () => {
    const lone = 'handles-20261125T050000.000Z-301';
    const flood = Array.from({ length: 4 }, (_, i) => `cpu-20261125T06000${i}.000Z-302`);
    const dir = dirWith([[lone, 'handles.json', 10], ...flood.map((base): [string, string, number] => [base, 'cpuprofile', 10])]);
    expect(await enforceRetention(dir, { maxDumps: 3, maxDumpBytes: 1e9 }, null, dead)).toEqual(flood.slice(0, 2));
    expect(readdirSync(dir)).toContain(`${lone}.handles.json`);
  });
});
