import { describe, it, expect, vi, beforeEach, afterEach } from 'vitest';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

// Lets one test make the "random" temp name predictable, to plant a link there first.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, randomBytes: vi.fn(actual.randomBytes) };
});

import { randomBytes } from 'node:crypto';
import { DumpDir, TEMP_PREFIX, dumpBaseName, timestamp } from '../../src/sinks/dump-dir.js';
import { hostFacts } from '../../src/sinks/meta.js';

const DEAD_PID = 2147483646;

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'holmes-dumpdir-'));
});
afterEach(() => {
  vi.mocked(randomBytes).mockClear();
  rmSync(root, { recursive: true, force: true });
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

  it('tightens an existing 0755 directory owned by us to 0700', async () => {
    const path = join(root, 'dumps');
    mkdirSync(path);
    chmodSync(path, 0o755);
    await new DumpDir(path).prepare();
    expect(mode(path) & 0o777).toBe(0o700);
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

  it('accepts a sticky world-writable directory we own, and tightens it', async () => {
    const path = join(root, 'dumps');
    mkdirSync(path);
    chmodSync(path, 0o1777);
    await new DumpDir(path).prepare();
    expect(mode(path) & 0o777).toBe(0o700);
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
  it('lets the writer fill a 0600 temp file, then renames it into place', async () => {
    const dir = new DumpDir(join(root, 'dumps'));
    await dir.prepare();
    let seenTemp = '';
    const path = await dir.writeWith('heap.heapsnapshot', async (temp) => {
      seenTemp = temp;
      expect(temp.startsWith(join(dir.path, TEMP_PREFIX))).toBe(true);
      expect(existsSync(temp)).toBe(true);
      expect(mode(temp)).toBe(0o600);
      // a writer that recreates the file with a looser mode (like v8.writeHeapSnapshot)
      rmSync(temp);
      writeFileSync(temp, 'snapshot', { mode: 0o644 });
    });
    expect(path).toBe(join(dir.path, 'heap.heapsnapshot'));
    expect(readFileSync(path, 'utf8')).toBe('snapshot');
    expect(mode(path)).toBe(0o600);
    expect(existsSync(seenTemp)).toBe(false);
    expect(listing(dir.path)).toEqual(['heap.heapsnapshot']);
  });

  it.each([
    [
      'throws synchronously',
      (temp: string) => {
        writeFileSync(temp, 'half');
        throw new Error('writer broke');
      },
    ],
    [
      'rejects',
      async (temp: string) => {
        writeFileSync(temp, 'half');
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
