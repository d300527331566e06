// The operator's command against hostile files (issue 12, items 9-13): special files, decompression and count bombs,
// a planted output symlink, terminal escapes in every printed field, damaged and planted files. Each attack runs the
// built CLI in a child, bounded: a hang fails the run instead of holding the suite.
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Function as PprofFunction, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { beforeAll, describe, expect, it } from 'vitest';
import { DumpFileError } from '../../src/analysis/errors.js';
import { readInput } from '../../src/analysis/input.js';
import { DEFAULT_LIMITS } from '../../src/analysis/limits.js';
import { HEAP_SAMPLING_INTERVAL_BYTES } from '../../src/dumpers/heap-profile.js';
import { heapProfileToPprof } from '../../src/dumpers/pprof.js';
import { fixture, runNodeSync, runOk, tempDir } from '../helpers/child.js';
import { CLI, makeDumps, type FixtureFiles } from './run-cli.js';

const MAX_RSS = fixture('cli/max-rss.cjs');
/** Bound of one CLI run: a hang (a FIFO read, /dev/zero) fails the test here instead of holding the suite. */
const RUN_MS = 30_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Peak RSS of the child, in MB. */
  maxRssMb: number;
}

/** Runs the built CLI in a child with a 512 MB heap cap, bounded, and reports its peak RSS. */
function cli(args: string[], { cwd, env = {} }: { cwd?: string; env?: Record<string, string> } = {}): Run {
  const rssFile = join(work, `rss-${Math.random().toString(36).slice(2)}`);
  const result = runNodeSync(['--max-old-space-size=512', '--require', MAX_RSS, CLI, ...args], {
    cwd,
    env: { ...env, HOLMES_MAX_RSS_FILE: rssFile },
    timeoutMs: RUN_MS,
  });
  const maxRssMb = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) / 1024 : Number.NaN;
  return { code: result.code, stdout: result.stdout, stderr: result.stderr, maxRssMb };
}

/** A refusal: exit 1, nothing on stdout, one line on stderr naming the file, no stack trace. */
function expectRefused(run: Run, file: string, pattern: RegExp): void {
  expect(run.code, run.stderr).toBe(1);
  expect(run.stdout).toBe('');
  expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(run.stderr).not.toMatch(/internal error|^\s+at /m);
  expect(run.stderr).toContain(file);
  expect(run.stderr).toMatch(pattern);
}

let work: string;
let files: FixtureFiles;

beforeAll(() => {
  work = tempDir('holmes-hostile-', 'file');
  files = makeDumps(join(work, 'real'));
}, 120_000);

/** A copy of the real dumps (and their metas) in a new directory. */
function copyOfDumps(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  for (const file of readdirSync(join(work, 'real'))) if (!file.startsWith('.')) copyFileSync(join(work, 'real', file), join(dir, file));
  return dir;
}

const EXTENSIONS = ['cpuprofile', 'heapprofile', 'heapsnapshot', 'handles.json', 'block.json', 'pb.gz'];

describe('item 9: special files are refused, never read', () => {
  let dir: string;
  const fifo = (ext: string) => join(dir, `cpu-20261129T000001.000Z-7.${ext}`);
  const zero = (ext: string) => join(dir, `cpu-20261129T000002.000Z-7.${ext}`);

  beforeAll(() => {
    dir = copyOfDumps('special');
    for (const ext of EXTENSIONS) {
      runOk('mkfifo', [fifo(ext)]);
      symlinkSync('/dev/zero', zero(ext));
    }
    // the meta files of two real dumps: a FIFO and a link to /dev/zero
    const cpuMeta = join(dir, basename(files.cpuprofile).replace(/\.cpuprofile$/, '.meta.json'));
    const handlesMeta = join(dir, basename(files.handles).replace(/\.handles\.json$/, '.meta.json'));
    for (const meta of [cpuMeta, handlesMeta]) rmSync(meta);
    runOk('mkfifo', [cpuMeta]);
    symlinkSync('/dev/zero', handlesMeta);
  });

  it.each(EXTENSIONS)(
    'show, flame and diff refuse a FIFO and a link to /dev/zero named .%s',
    (ext) => {
      for (const [file, why] of [
        [fifo(ext), /refused: a FIFO \(named pipe\), not a regular file/],
        [zero(ext), /refused: a symbolic link, not a regular file/],
      ] as const) {
        expectRefused(cli(['show', file]), file, why);
        if (['cpuprofile', 'heapprofile', 'pb.gz'].includes(ext)) expectRefused(cli(['flame', file, '-o', join(work, `${ext}.html`)]), file, why);
        if (['heapsnapshot', 'heapprofile'].includes(ext)) {
          const good = ext === 'heapsnapshot' ? files.heapBefore : files.heapProfileBefore;
          expectRefused(cli(['diff', good, file]), file, why);
          expectRefused(cli(['diff', file, good]), file, why);
        }
      }
    },
    300_000,
  );

  it('ls lists the real dumps, reports the special files it skipped and the metas it could not read, without hanging', () => {
    const text = cli(['ls', dir]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(basename(files.heapBefore));
    expect(text.stdout).toMatch(/Skipped \(not opened\)/);
    expect(text.stdout).toContain(`${basename(fifo('cpuprofile'))}: a FIFO (named pipe), not a regular file`);
    expect(text.stdout).toContain(`${basename(zero('pb.gz'))}: a symbolic link, not a regular file`);
    expect(text.stdout).toMatch(/meta file unreadable: .*refused: a FIFO/);

    const json = cli(['ls', dir, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const listing = JSON.parse(json.stdout) as {
      dumps: Array<{ file: string; summary: string | null; metaProblem: string | null }>;
      skipped: Array<{ file: string; reason: string }>;
    };
    expect(listing.dumps.map((d) => d.file)).toEqual(expect.arrayContaining([basename(files.cpuprofile), basename(files.handles), basename(files.heapBefore)]));
    expect(listing.skipped).toHaveLength(2 * EXTENSIONS.length);
    const byFile = new Map(listing.dumps.map((d) => [d.file, d]));
    expect(byFile.get(basename(files.cpuprofile))!.metaProblem).toMatch(/meta\.json: refused: a FIFO/);
    expect(byFile.get(basename(files.handles))!.metaProblem).toMatch(/meta\.json: refused: a symbolic link/);
    expect(byFile.get(basename(files.heapBefore))!.summary).toMatch(/^memory /);
  }, 120_000);

  it('the byte cap counts what is read, not what stat says (a /proc file has size 0)', () => {
    expect(statSync('/proc/self/status').size).toBe(0);
    expect(() => readInput('/proc/self/status', 100)).toThrow(DumpFileError);
    expect(() => readInput('/proc/self/status', 100)).toThrow(/refused: larger than 100 bytes/);
    expect(readInput('/proc/self/status', 1 << 20).toString()).toMatch(/^Name:/);
  });
});

describe('item 10: decompression and count bombs are refused in one line, in bounded memory', () => {
  it('a 1 MB .pb.gz holding 1 GiB of zeros', () => {
    // 1024 gzip members of 1 MiB of zeros each: gunzip reads them all as one stream
    const member = gzipSync(Buffer.alloc(1 << 20));
    const bomb = join(work, 'cpu-20261129T000003.000Z-7.pb.gz');
    writeFileSync(bomb, Buffer.concat(Array.from({ length: 1024 }, () => member)));
    expect(statSync(bomb).size).toBeLessThan(2 << 20);
    const run = cli(['show', bomb]);
    expectRefused(
      run,
      bomb,
      new RegExp(
        `refused: decompresses to more bytes than the limit of ${DEFAULT_LIMITS.maxDecodedBytes} bytes \\(raise it with HOLMES_NODE_MAX_DECODED_BYTES\\)`,
      ),
    );
    expect(run.maxRssMb).toBeLessThan(512);
  }, 60_000);

  it('a valid pprof claiming 40 million samples, and one of 3 million strings', () => {
    const strings = new StringTable();
    const header = new Profile({
      sampleType: [new ValueType({ type: strings.dedup('samples'), unit: strings.dedup('count') })],
      stringTable: strings,
    }).encode();
    // an empty Sample is two bytes: field 2, length 0
    const samples = Buffer.alloc(40_000_000 * 2);
    for (let i = 0; i < samples.length; i += 2) samples[i] = 0x12;
    const sampleBomb = join(work, 'cpu-20261129T000004.000Z-7.pb.gz');
    writeFileSync(sampleBomb, gzipSync(Buffer.concat([header, samples])));
    const run = cli(['show', sampleBomb]);
    expectRefused(run, sampleBomb, /refused: 40000000 samples, over the limit of 1000000 \(raise it with HOLMES_NODE_MAX_SAMPLES\)/);
    expect(run.maxRssMb).toBeLessThan(512);

    const stringBomb = join(work, 'cpu-20261129T000005.000Z-7.pb.gz');
    const empties = Buffer.alloc(3_000_000 * 2);
    for (let i = 0; i < empties.length; i += 2) empties[i] = 0x32; // field 6 (string_table), length 0
    writeFileSync(stringBomb, gzipSync(Buffer.concat([header, empties])));
    expectRefused(cli(['show', stringBomb]), stringBomb, /refused: \d+ entries, over the limit of 2000000 \(raise it with HOLMES_NODE_MAX_NODES\)/);
  }, 120_000);

  it('a heap snapshot whose header announces more nodes than its file can hold', () => {
    const planted = join(work, 'memory-20261129T000006.000Z-7.heapsnapshot');
    writeFileSync(planted, readFileSync(files.heapBefore, 'latin1').replace(/"node_count":\d+/, '"node_count":1000000000000'), 'latin1');
    expectRefused(cli(['show', planted]), planted, /damaged heap snapshot \(its header announces 1000000000000 nodes .* more than its \d+ bytes can hold\)/);
  }, 60_000);

  it('each limit can be lowered (or raised) by its environment variable, and a bad value is a usage mistake', () => {
    expectRefused(cli(['show', files.pprof], { env: { HOLMES_NODE_MAX_SAMPLES: '1' } }), files.pprof, /samples, over the limit of 1 \(raise it/);
    expectRefused(cli(['show', files.cpuprofile], { env: { HOLMES_NODE_MAX_NODES: '3' } }), files.cpuprofile, /nodes, over the limit of 3/);
    expectRefused(
      cli(['show', files.heapBefore], { env: { HOLMES_NODE_MAX_INPUT_BYTES: '1000' } }),
      files.heapBefore,
      /refused: larger than the limit of 1000 bytes \(raise it with HOLMES_NODE_MAX_INPUT_BYTES\)/,
    );
    expectRefused(
      cli(['show', files.pprof], { env: { HOLMES_NODE_MAX_DECODED_BYTES: '10' } }),
      files.pprof,
      /decompresses to more bytes than the limit of 10 bytes/,
    );
    const bad = cli(['show', files.pprof], { env: { HOLMES_NODE_MAX_SAMPLES: 'lots' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/HOLMES_NODE_MAX_SAMPLES wants a whole number/);
    expect(cli(['show', files.pprof], { env: { HOLMES_NODE_MAX_SAMPLES: '10000000' } }).code).toBe(0);
  }, 120_000);
});

describe('item 11: flame never writes through a planted link, nor over an existing file', () => {
  it('a symlink planted at -o, and at the default output name, pointing at a stand-in for ~/.bashrc', () => {
    const dir = join(work, 'output');
    mkdirSync(dir);
    const bashrc = join(dir, 'bashrc');
    writeFileSync(bashrc, 'export PATH=/usr/bin\n');
    const out = join(dir, 'flame.html');
    symlinkSync(bashrc, out);
    expectRefused(cli(['flame', files.cpuprofile, '-o', out]), out, /already exists: not replaced \(pass --force to replace it\)/);
    // the default name, in the current directory
    const defaultOut = join(dir, basename(files.cpuprofile).replace(/\.cpuprofile$/, '.html'));
    symlinkSync(bashrc, defaultOut);
    expectRefused(cli(['flame', files.cpuprofile], { cwd: dir }), defaultOut, /already exists/);
    // a dangling link: nothing is created where it points
    const dangling = join(dir, 'dangling.html');
    symlinkSync(join(dir, 'created-through-link'), dangling);
    expectRefused(cli(['flame', files.cpuprofile, '-o', dangling]), dangling, /already exists/);
    expect(existsSync(join(dir, 'created-through-link'))).toBe(false);
    expect(readFileSync(bashrc, 'utf8')).toBe('export PATH=/usr/bin\n');

    // --force replaces the link itself, never the file it points to
    const forced = cli(['flame', files.cpuprofile, '-o', out, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(lstatSync(out).isFile()).toBe(true);
    expect(lstatSync(out).mode & 0o777).toBe(0o600);
    expect(readFileSync(out, 'utf8')).toMatch(/^<!doctype html>/);
    expect(readFileSync(bashrc, 'utf8')).toBe('export PATH=/usr/bin\n');
    // an existing regular file is not replaced without --force; no temporary file is left either way
    expectRefused(cli(['flame', files.cpuprofile, '-o', out]), out, /already exists/);
    expect(readdirSync(dir).filter((f) => f.startsWith('.holmes-tmp-'))).toEqual([]);
  }, 120_000);
});

// OSC 0 (window title), CSI 2J (clear screen), OSC 52 (clipboard write), a C1 CSI and a bidi override; the
// snapshot's retainer path names its global property
const OSC0 = '\u001b]0;pwned\u0007';
const CSI2J = '\u001b[2J';
const OSC52 = '\u001b]52;c;cm0gLXJmIH4=\u0007';
const C1 = '\u009b2J';
const BIDI = '\u202e';
const PAYLOAD = `${OSC0}${CSI2J}${OSC52}${C1}${BIDI}`;
const VISIBLE = '\\x1b]0;pwned\\x07\\x1b[2J\\x1b]52;c;cm0gLXJmIH4=\\x07\\x9b2J\\u202e';
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this pattern's job
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('item 12: no terminal escape from a dump reaches the terminal', () => {
  let dir: string;
  let cpu: string;
  let handles: string;
  let block: string;
  let pprof: string;
  let snapshot: string;
  let oddName: string;

  beforeAll(() => {
    dir = join(work, 'escapes');
    mkdirSync(dir);
    const base = (kind: string, second: number) => `${kind}-20261129T00000${second}.000Z-7`;
    const meta = (name: string, kind: string) =>
      writeFileSync(
        join(dir, `${name}.meta.json`),
        JSON.stringify({ kind, summary: `reason ${PAYLOAD}`, hostname: `host${PAYLOAD}`, node: `v${PAYLOAD}`, startTime: `t${PAYLOAD}`, pid: 7 }),
      );
    const frame = (name: string, line: number) => ({
      functionName: `${name}${PAYLOAD}`,
      scriptId: '1',
      url: `file:///app${PAYLOAD}.js`,
      lineNumber: line,
      columnNumber: 1,
    });
    cpu = join(dir, `${base('cpu', 1)}.cpuprofile`);
    writeFileSync(
      cpu,
      JSON.stringify({
        nodes: [
          { id: 1, callFrame: { ...frame('(root)', -1), functionName: '(root)' }, hitCount: 0, children: [2] },
          { id: 2, callFrame: frame('work', 3), hitCount: 2 },
        ],
        startTime: 0,
        endTime: 2000,
        samples: [2, 2],
        timeDeltas: [0, 1000],
      }),
    );
    meta(base('cpu', 1), 'cpu');
    handles = join(dir, `${base('handles', 2)}.handles.json`);
    writeFileSync(
      handles,
      JSON.stringify({
        total: 1,
        byType: { [`Timeout${PAYLOAD}`]: 1 },
        handles: [{ type: `Socket${PAYLOAD}`, remoteAddress: `10.0.0.1${PAYLOAD}`, remotePort: 1 }],
        stacks: [{ type: `Timeout${PAYLOAD}`, count: 1, stack: [`at evil${PAYLOAD} (file:///x.js:1:1)`] }],
      }),
    );
    meta(base('handles', 2), 'handles');
    block = join(dir, `${base('eventLoop', 3)}.block.json`);
    writeFileSync(
      block,
      JSON.stringify({
        blockedMs: 2000,
        blockMs: 1000,
        stack: [{ functionName: `spin${PAYLOAD}`, url: `file:///a${PAYLOAD}.js`, lineNumber: 1, columnNumber: 2 }],
      }),
    );
    meta(base('eventLoop', 3), 'eventLoop');
    const strings = new StringTable();
    const fn = new PprofFunction({ id: 1, name: strings.dedup(`hot${PAYLOAD}`), filename: strings.dedup(`/srv/app${PAYLOAD}.js`) });
    const location = new Location({ id: 1, line: [new Line({ functionId: 1, line: 3 })] });
    pprof = join(dir, `${base('cpu', 4)}.pb.gz`);
    writeFileSync(
      pprof,
      gzipSync(
        new Profile({
          sampleType: [new ValueType({ type: strings.dedup(`samples${PAYLOAD}`), unit: strings.dedup('count') })],
          sample: [new Sample({ locationId: [1], value: [5] })],
          location: [location],
          function: [fn],
          stringTable: strings,
        }).encode(),
      ),
    );
    // a real snapshot of a process keeping a large array under a global property named with the escapes
    snapshot = join(dir, `${base('memory', 5)}.heapsnapshot`);
    const made = runNodeSync([
      '-e',
      `globalThis[${JSON.stringify(`Leak${PAYLOAD}`)}] = Array.from({ length: 50000 }, () => ({ x: 1 })); require('v8').writeHeapSnapshot(${JSON.stringify(snapshot)})`,
    ]);
    expect(made.code, made.stderr).toBe(0);
    meta(base('memory', 5), 'memory');
    oddName = join(dir, `evil${OSC0}.cpuprofile`);
    copyFileSync(cpu, oddName);
  }, 60_000);

  /** Text output: nothing raw, the escapes shown visibly. */
  function expectClean(run: Run, ...visible: string[]): void {
    expect(run.code, run.stderr).toBe(0);
    expect(RAW.test(run.stdout), JSON.stringify(run.stdout)).toBe(false);
    expect(RAW.test(run.stderr), JSON.stringify(run.stderr)).toBe(false);
    for (const v of visible) expect(run.stdout).toContain(v);
  }

  it('ls: the reason from each meta', () => {
    expectClean(cli(['ls', dir]), `reason ${VISIBLE}`);
  }, 60_000);

  it('show: function names, URLs, types, details, stacks, retainer paths, sample types, file names, and the meta', () => {
    const metaLines = [`reason: reason ${VISIBLE}`, `from pid 7 on host${VISIBLE} (Node v${VISIBLE})`, `taken t${VISIBLE}`];
    expectClean(cli(['show', cpu]), `work${VISIBLE}`, `/app${VISIBLE}.js:4`, ...metaLines);
    expectClean(cli(['show', handles]), `Timeout${VISIBLE}`, `Socket${VISIBLE}`, `-> 10.0.0.1${VISIBLE}:1`, `at evil${VISIBLE}`, ...metaLines);
    expectClean(cli(['show', block]), `spin${VISIBLE}`, `/a${VISIBLE}.js:1:2`, ...metaLines);
    expectClean(cli(['show', pprof]), `hot${VISIBLE}`, `/srv/app${VISIBLE}.js:3`, `Top functions by self samples${VISIBLE}`);
    expectClean(cli(['show', snapshot]), `.Leak${VISIBLE} → Array`, ...metaLines);
    expectClean(cli(['show', oddName]), 'evil\\x1b]0;pwned\\x07.cpuprofile: ');
  }, 180_000);

  it('an error message naming a file with escapes in its name', () => {
    const missing = join(dir, `gone${OSC0}.cpuprofile`);
    const run = cli(['show', missing]);
    expect(run.code).toBe(1);
    expect(RAW.test(run.stderr), JSON.stringify(run.stderr)).toBe(false);
    expect(run.stderr).toContain('gone\\x1b]0;pwned\\x07.cpuprofile');
  }, 30_000);

  it('--json stays faithful JSON: the same strings back, nothing raw on the terminal', () => {
    const ls = cli(['ls', dir, '--json']);
    expect(ls.code, ls.stderr).toBe(0);
    expect(RAW.test(ls.stdout), ls.stdout).toBe(false);
    const listing = JSON.parse(ls.stdout) as { dumps: Array<{ summary: string; meta: { hostname: string } }> };
    expect(listing.dumps[0]!.summary).toBe(`reason ${PAYLOAD}`);
    expect(listing.dumps[0]!.meta.hostname).toBe(`host${PAYLOAD}`);
    const show = cli(['show', cpu, '--json']);
    expect(RAW.test(show.stdout), show.stdout).toBe(false);
    expect((JSON.parse(show.stdout) as { bySelf: Array<{ name: string }> }).bySelf[0]!.name).toBe(`work${PAYLOAD}`);
  }, 60_000);

  it("flame's HTML escapes what it embeds", () => {
    const profile = join(dir, 'html.cpuprofile');
    const evil = '</script><script>alert(1)</script>';
    writeFileSync(profile, readFileSync(cpu, 'utf8').replaceAll('work', evil.replaceAll('"', '\\"')));
    const out = join(dir, 'html.html');
    const run = cli(['flame', profile, '-o', out, '--title', `<img src=x onerror=alert(2)>${OSC0}`]);
    expect(run.code, run.stderr).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('\\u003c/script>\\u003cscript>alert(1)');
  }, 60_000);
});

describe('item 13: damaged and planted files are named in one line, and never break a listing', () => {
  it('a 100,000-deep planted .meta.json: ls and ls --json list every dump, that one with its meta reported damaged', () => {
    const dir = copyOfDumps('deep-meta');
    const planted = join(dir, basename(files.handles).replace(/\.handles\.json$/, '.meta.json'));
    writeFileSync(planted, `${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    const json = cli(['ls', dir, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const listing = JSON.parse(json.stdout) as { dumps: Array<{ file: string; summary: string | null; metaProblem: string | null }> };
    expect(listing.dumps).toHaveLength(8);
    const entry = listing.dumps.find((d) => d.file === basename(files.handles))!;
    expect(entry.summary).toBeNull();
    expect(entry.metaProblem).toBe(`${planted}: damaged meta file (nested deeper than 64 levels)`);
    expect(listing.dumps.find((d) => d.file === basename(files.cpuprofile))!.summary).toMatch(/^cpu /);
    const text = cli(['ls', dir]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('(meta file unreadable: ');
    // and show of that dump still works, without the meta's facts
    expect(cli(['show', join(dir, basename(files.handles))]).code).toBe(0);
  }, 120_000);

  it("holmes-node's own empty gc .pb.gz (a valid pprof with no samples) is shown as having no samples, not as damaged", async () => {
    // what V8's sampling heap profiler returns when nothing was sampled, through the library's own pprof writer
    const empty = {
      head: { callFrame: { functionName: '(root)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 }, selfSize: 0, id: 1, children: [] },
      samples: [],
    };
    const file = join(work, 'gc-20261129T000007.000Z-7.pb.gz');
    writeFileSync(file, await heapProfileToPprof(empty, HEAP_SAMPLING_INTERVAL_BYTES));
    const text = cli(['show', file]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/No samples: the profile is empty/);
    expect(text.stdout).not.toMatch(/damaged/);
    const json = cli(['show', file, '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect((JSON.parse(json.stdout) as { facts: { samples: number } }).facts.samples).toBe(0);
    const heapProfile = join(work, 'gc-20261129T000007.000Z-7.heapprofile');
    writeFileSync(heapProfile, JSON.stringify(empty));
    expect(cli(['show', heapProfile]).stdout).toMatch(/No samples/);
  }, 60_000);
});
