import { describe, it, expect, vi, beforeEach, afterEach } from 'vitest';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  renameSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

// Lets one test make the "random" temp name predictable, to plant a link there first.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, randomBytes: vi.fn(actual.randomBytes) };
});

import { randomBytes } from 'node:crypto';
import { writeHeapSnapshotTo } from '../../src/dumpers/heap-snapshot.js';
import { DumpDir, TEMP_PREFIX, UnsafeDumpDir, dumpBaseName, timestamp } from '../../src/sinks/dump-dir.js';
import { hostFacts } from '../../src/sinks/meta.js';
import { tempDir } from '../helpers/child.js';

const DEAD_PID = 2147483646;

let root: string;
beforeEach(() => {
  root = tempDir('holmes-dumpdir-');
});
afterEach(() => {
  vi.mocked(randomBytes).mockClear();
});

const mode = (path: string): number => statSync(path).mode & 0o7777;
const listing = (dir: string): string[] => readdirSync(dir).sort();

describe('DumpDir.prepare', () => {
  it('creates a missing (nested) directory with mode 0700', async () => {
    const path = join(root, 'a', 'b', 'dumps');
    await new DumpDir(path).prepare();
    expect(statSync(path).isDirectory()).toBe(true);
    expect(mode(path) & 0o777).toBe(0o700);
  });

  it('accepts an existing 0755 directory owned by us without changing it, and warns once that names are visible', async () => {
    const path = join(root, 'dumps');
    mkdirSync(path);
    chmodSync(path, 0o755);
    const warnings: string[] = [];
    const dir = new DumpDir(path, (m) => warnings.push(m));
    await dir.prepare();
    await dir.prepare();
    expect(mode(path)).toBe(0o755);
    expect(warnings).toEqual([expect.stringMatching(/readable by other users \(mode 0755\)/)]);
  });

  it('is a no-op on a directory that is already 0700', async () => {
    const path = join(root, 'dumps');
    mkdirSync(path, { mode: 0o700 });
    writeFileSync(join(path, 'keep.txt'), 'x');
    await new DumpDir(path).prepare();
    await new DumpDir(path).prepare();
    expect(mode(path) & 0o777).toBe(0o700);
    expect(listing(path)).toEqual(['keep.txt']);
  });

  it.each([0o777, 0o775, 0o757, 0o722])('refuses a directory others may write to (mode %o, no sticky bit) and leaves it alone', async (m) => {
    const path = join(root, 'dumps');
    mkdirSync(path);
    chmodSync(path, m);
    await expect(new DumpDir(path).prepare()).rejects.toThrow(/writable by other users/);
    expect(mode(path)).toBe(m);
  });

  it('refuses a sticky world-writable directory, even one we own, and leaves it alone', async () => {
    const path = join(root, 'dumps');
    mkdirSync(path);
    chmodSync(path, 0o1777);
    await expect(new DumpDir(path).prepare()).rejects.toThrow(UnsafeDumpDir);
    expect(mode(path)).toBe(0o1777);
  });

  it('refuses a dumpDir that is a symbolic link, and neither creates nor changes anything behind it', async () => {
    const target = join(root, 'real');
    mkdirSync(target, { mode: 0o755 });
    const path = join(root, 'dumps');
    symlinkSync(target, path);
    await expect(new DumpDir(path).prepare()).rejects.toThrow(/symbolic link \(to .*real\)/);
    expect(mode(target)).toBe(0o755);
    expect(listing(target)).toEqual([]);
  });

  it('refuses a parent writable by others without the sticky bit; accepts one with it (like /tmp)', async () => {
    const open = join(root, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    await expect(new DumpDir(join(open, 'dumps')).prepare()).rejects.toThrow(/parent .*open is writable by other users without the sticky bit/);
    expect(existsSync(join(open, 'dumps'))).toBe(false);
    // nothing is created below it either
    await expect(new DumpDir(join(open, 'a', 'b', 'dumps')).prepare()).rejects.toThrow(UnsafeDumpDir);
    expect(existsSync(join(open, 'a'))).toBe(false);
    chmodSync(open, 0o1777);
    await new DumpDir(join(open, 'dumps')).prepare();
    expect(mode(join(open, 'dumps'))).toBe(0o700);
  });

  it('refuses to write once the checked directory was swapped for a link, and writes nothing behind it', async () => {
    const path = join(root, 'dumps');
    const dir = new DumpDir(path);
    await dir.prepare();
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(elsewhere, { mode: 0o700 });
    renameSync(path, join(root, 'moved'));
    symlinkSync(elsewhere, path);
    await expect(dir.writeFile('cpu-x.cpuprofile', 'secret')).rejects.toThrow(/replaced since it was checked \(by a symbolic link\)/);
    expect(listing(elsewhere)).toEqual([]);
    expect(listing(join(root, 'moved'))).toEqual([]);
  });

  it('refuses a path that is a regular file', async () => {
    const path = join(root, 'file');
    writeFileSync(path, 'x');
    await expect(new DumpDir(path).prepare()).rejects.toThrow();
    expect(readFileSync(path, 'utf8')).toBe('x');
  });

  it('refuses a path under a regular file', async () => {
    const file = join(root, 'file');
    writeFileSync(file, 'x');
    await expect(new DumpDir(join(file, 'dumps')).prepare()).rejects.toThrow();
  });

  it('creates a missing directory 0700 even under a umask that strips its owner bits', async () => {
    const path = join(root, 'dumps');
    const previous = process.umask(0o277);
    try {
      await new DumpDir(path).prepare();
    } finally {
      process.umask(previous);
    }
    expect(mode(path)).toBe(0o700);
  });

  it('brings back a directory deleted after a first prepare()', async () => {
    const path = join(root, 'dumps');
    const dir = new DumpDir(path);
    await dir.prepare();
    rmSync(path, { recursive: true });
    await dir.prepare();
    expect(mode(path) & 0o777).toBe(0o700);
  });
});

describe('DumpDir.writeFile', () => {
  it('writes the data under the final name, mode 0600, with no temp file left', async () => {
    const dir = new DumpDir(join(root, 'dumps'));
    await dir.prepare();
    const path = await dir.writeFile('cpu-x.cpuprofile', '{"nodes":[]}');
    expect(path).toBe(join(root, 'dumps', 'cpu-x.cpuprofile'));
    expect(readFileSync(path, 'utf8')).toBe('{"nodes":[]}');
    expect(mode(path)).toBe(0o600);
    expect(listing(dir.path)).toEqual(['cpu-x.cpuprofile']);
  });

  it('writes bytes and replaces an existing file under the same name', async () => {
    const dir = new DumpDir(join(root, 'dumps'));
    await dir.prepare();
    writeFileSync(join(dir.path, 'a.bin'), 'old contents that are longer');
    chmodSync(join(dir.path, 'a.bin'), 0o644);
    const path = await dir.writeFile('a.bin', new Uint8Array([1, 2, 3]));
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
    expect(mode(path)).toBe(0o600);
    expect(listing(dir.path)).toEqual(['a.bin']);
  });

  it('replaces a symlink planted under the final name instead of writing through it', async () => {
    const dir = new DumpDir(join(root, 'dumps'));
    await dir.prepare();
    const target = join(root, 'victim.txt');
    writeFileSync(target, 'precious');
    symlinkSync(target, join(dir.path, 'cpu.cpuprofile'));
    const path = await dir.writeFile('cpu.cpuprofile', 'dump');
    expect(lstatSync(path).isSymbolicLink()).toBe(false);
    expect(lstatSync(path).isFile()).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('dump');
    expect(readFileSync(target, 'utf8')).toBe('precious');
  });

  it('does not follow a symlink planted under the temp name (O_EXCL | O_NOFOLLOW)', async () => {
    const dir = new DumpDir(join(root, 'dumps'));
    await dir.prepare();
    const target = join(root, 'victim.txt');
    writeFileSync(target, 'precious');
    const fixed = Buffer.from('deadbeef', 'hex');
    vi.mocked(randomBytes).mockImplementation((() => fixed) as never);
    try {
      const temp = dir.tempPath('cpu.cpuprofile');
      expect(temp).toBe(join(dir.path, `${TEMP_PREFIX}${process.pid}-deadbeef-cpu.cpuprofile`));
      symlinkSync(target, temp);
      await expect(dir.writeFile('cpu.cpuprofile', 'dump')).rejects.toMatchObject({ code: 'EEXIST' });

      // the same for writers that take a path (writeFile's cleanup may have removed the link: plant it again)
      if (!lstatSync(temp, { throwIfNoEntry: false })) symlinkSync(target, temp);
      const write = vi.fn();
      await expect(dir.writeWith('cpu.cpuprofile', write)).rejects.toMatchObject({ code: 'EEXIST' });
      expect(write).not.toHaveBeenCalled();
    } finally {
      vi.mocked(randomBytes).mockReset();
    }
    expect(readFileSync(target, 'utf8')).toBe('precious');
    expect(existsSync(join(dir.path, 'cpu.cpuprofile'))).toBe(false);
  });
});

describe('DumpDir.writeWith', () => {
  it('lets the writer fill the temp file it opened (0600), then renames it into place', async () => {
    const dir = new DumpDir(join(root, 'dumps'));
    await dir.prepare();
    let seenTemp = '';
    const path = await dir.writeWith('heap.heapsnapshot', async (handle) => {
      seenTemp = listing(dir.path)[0]!;
      expect(seenTemp.startsWith(TEMP_PREFIX)).toBe(true);
      expect(mode(join(dir.path, seenTemp))).toBe(0o600);
      await handle.writeFile('snapshot');
    });
    expect(path).toBe(join(dir.path, 'heap.heapsnapshot'));
    expect(readFileSync(path, 'utf8')).toBe('snapshot');
    expect(mode(path)).toBe(0o600);
    expect(listing(dir.path)).toEqual(['heap.heapsnapshot']);
  });

  it('writes a heap snapshot through its own descriptor: a link swapped in under the temp name receives nothing and is not renamed into place', async () => {
    const dir = new DumpDir(join(root, 'dumps'));
    await dir.prepare();
    const victim = join(root, 'victim.txt');
    writeFileSync(victim, 'precious');
    // the race an attacker wins at best: the temp name already points elsewhere when V8 opens its file
    await expect(
      dir.writeWith('heap.heapsnapshot', (handle) => {
        const temp = join(dir.path, listing(dir.path)[0]!);
        unlinkSync(temp);
        symlinkSync(victim, temp);
        writeHeapSnapshotTo(handle);
      }),
    ).rejects.toThrow(/temporary file .* was replaced while being written/);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(listing(dir.path)).toEqual([]);
  });

  it('writes a whole heap snapshot (JSON that parses) through writeHeapSnapshotTo', async () => {
    const dir = new DumpDir(join(root, 'dumps'));
    await dir.prepare();
    const path = await dir.writeWith('heap.heapsnapshot', (handle) => writeHeapSnapshotTo(handle));
    const snapshot = JSON.parse(readFileSync(path, 'utf8')) as { snapshot: { node_count: number } };
    expect(snapshot.snapshot.node_count).toBeGreaterThan(1000);
    expect(mode(path)).toBe(0o600);
  });

  it.each([
    [
      'throws synchronously',
      (handle: FileHandle) => {
        writeSync(handle.fd, 'half');
        throw new Error('writer broke');
      },
    ],
    [
      'rejects',
      async (handle: FileHandle) => {
        await handle.write('half');
        throw new Error('writer broke');
      },
    ],
    [
      'throws before writing',
      () => {
        throw new Error('writer broke');
      },
    ],
  ])('leaves no file at all when the writer %s', async (_name, write) => {
    const dir = new DumpDir(join(root, 'dumps'));
    await dir.prepare();
    await expect(dir.writeWith('heap.heapsnapshot', write)).rejects.toThrow('writer broke');
    expect(listing(dir.path)).toEqual([]);
  });
});

describe('DumpDir.removeStaleTemps', () => {
  it('removes temps of dead processes and of this pid from before it started; keeps the rest', async () => {
    const dir = new DumpDir(join(root, 'dumps'));
    await dir.prepare();
    const p = (name: string): string => join(dir.path, name);
    const deadA = `${TEMP_PREFIX}${DEAD_PID}-0011aabb-cpu-x.cpuprofile`;
    const deadB = `${TEMP_PREFIX}${DEAD_PID}-ffee0011-memory-x.heapsnapshot`;
    const alive = `${TEMP_PREFIX}${process.ppid}-12345678-cpu-y.cpuprofile`;
    const oursFresh = `${TEMP_PREFIX}${process.pid}-abcdef01-cpu-z.cpuprofile`;
    const oursOld = `${TEMP_PREFIX}${process.pid}-abcdef02-cpu-old.cpuprofile`;
    const plain = [`cpu-20260101T000000.000Z-${DEAD_PID}.cpuprofile`, 'notes.txt', `holmes-tmp-${DEAD_PID}-x`];
    for (const name of [deadA, deadB, alive, oursFresh, oursOld, ...plain]) writeFileSync(p(name), 'x');
    const longAgo = new Date('2000-01-01T00:00:00Z');
    utimesSync(p(oursOld), longAgo, longAgo);
    utimesSync(p(plain[0]!), longAgo, longAgo);

    expect(await dir.removeStaleTemps()).toBe(3);
    expect(listing(dir.path)).toEqual([alive, oursFresh, ...plain].sort());
    expect(await dir.removeStaleTemps()).toBe(0);
  });

  it('returns 0 when the directory does not exist', async () => {
    expect(await new DumpDir(join(root, 'missing')).removeStaleTemps()).toBe(0);
  });
});

describe('dump names', () => {
  const date = new Date(Date.UTC(2026, 10, 25, 6, 13, 13, 123));

  it('timestamp is UTC, sortable, without colons or dashes', () => {
    expect(timestamp(date)).toBe('20261125T061313.123Z');
    expect(timestamp(new Date(Date.UTC(2000, 0, 2, 3, 4, 5, 6)))).toBe('20000102T030405.006Z');
  });

  it('dumpBaseName is <kind>-YYYYMMDDTHHMMSS.mmmZ-<pid>', () => {
    expect(dumpBaseName('cpu', date, 4242)).toBe('cpu-20261125T061313.123Z-4242');
    const name = dumpBaseName('memory', new Date());
    expect(name).toMatch(/^memory-\d{8}T\d{6}\.\d{3}Z-\d+$/);
    expect(name.endsWith(`-${process.pid}`)).toBe(true);
    expect(name).not.toContain(':');
  });

  it('sorts in time order', () => {
    const names = [new Date(Date.UTC(2026, 0, 1)), new Date(Date.UTC(2025, 11, 31, 23, 59, 59, 999)), new Date(Date.UTC(2026, 0, 1, 0, 0, 0, 1))].map((d) =>
      dumpBaseName('cpu', d, 1),
    );
    expect([...names].sort()).toEqual([names[1], names[0], names[2]]);
  });

  it('hostFacts names the pid, the hostname and the node version', () => {
    expect(hostFacts()).toEqual({ pid: process.pid, hostname: hostname(), node: process.version });
  });
});
