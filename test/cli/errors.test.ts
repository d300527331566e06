import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runNodeSync, tempDir } from '../helpers/child.js';
import { runCli, type CliResult } from './run-cli.js';

let dir: string;
let snapshot: string;
const TINY_PROFILE = JSON.stringify({
  nodes: [
    { id: 1, callFrame: { functionName: '(root)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 }, hitCount: 0, children: [2] },
    { id: 2, callFrame: { functionName: 'work', scriptId: '1', url: 'file:///app.js', lineNumber: 3, columnNumber: 1 }, hitCount: 2 },
  ],
  startTime: 0,
  endTime: 2000,
  samples: [2, 2],
  timeDeltas: [0, 1000],
});

beforeAll(() => {
  dir = tempDir('holmes-cli-errors-'); // removed after the file
  snapshot = join(dir, 'memory-20261125T061313.123Z-42.heapsnapshot');
  const result = runNodeSync(['-e', `require('v8').writeHeapSnapshot(${JSON.stringify(snapshot)})`]);
  if (result.code !== 0) throw new Error(result.stderr);
}, 60_000);

/** A failure: non-zero exit, nothing on stdout, exactly one line on stderr, no stack frames. */
function expectOneLineFailure(result: CliResult, pattern: RegExp): void {
  expect(result.code).not.toBe(0);
  expect(result.code).not.toBeNull();
  expect(result.stdout).toBe('');
  expect(result.stderr.endsWith('\n')).toBe(true);
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).not.toMatch(/^\s*at /m);
  expect(result.stderr).not.toMatch(/\bat .*:\d+:\d+\)?$/m);
  expect(result.stderr).toMatch(/^holmes-node: /);
  expect(result.stderr).toMatch(pattern);
}

function write(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('a missing file', () => {
  it.each(['show', 'flame'])('%s: no such file', (command) => {
    expectOneLineFailure(runCli([command, join(dir, 'nope-20261125T061313.123Z-1.cpuprofile')]), /no such file/);
  });

  it('diff: no such file', () => {
    expectOneLineFailure(runCli(['diff', snapshot, join(dir, 'missing.heapsnapshot')]), /no such file.*missing\.heapsnapshot/);
  });

  it('show on a directory', () => {
    expectOneLineFailure(runCli(['show', dir]), /is a directory/);
  });
});

describe('a truncated file', () => {
  it('heap snapshot cut in the middle', () => {
    const whole = readFileSync(snapshot);
    const cut = write('cut-20261125T061313.123Z-42.heapsnapshot', whole.subarray(0, Math.floor(whole.length / 2)));
    expectOneLineFailure(runCli(['show', cut]), /truncated/);
    expectOneLineFailure(runCli(['diff', snapshot, cut]), /truncated/);
  });

  it('heap snapshot cut inside its header', () => {
    const cut = write('header.heapsnapshot', readFileSync(snapshot).subarray(0, 100));
    expectOneLineFailure(runCli(['show', cut]), /truncated/);
  });

  it('CPU profile cut in the middle', () => {
    const cut = write('cut.cpuprofile', TINY_PROFILE.slice(0, TINY_PROFILE.length / 2));
    expectOneLineFailure(runCli(['show', cut]), /not valid JSON/);
    expectOneLineFailure(runCli(['flame', cut, '-o', join(dir, 'x.html')]), /not valid JSON/);
  });

  it('empty files', () => {
    expectOneLineFailure(runCli(['show', write('empty.cpuprofile', '')]), /empty/);
    expectOneLineFailure(runCli(['show', write('empty.heapsnapshot', '')]), /empty/);
    expectOneLineFailure(runCli(['show', write('empty.pb.gz', '')]), /empty/);
  });

  it('pprof that is not a protobuf', () => {
    expectOneLineFailure(runCli(['show', write('junk.pb.gz', Buffer.from([0x1f, 0x8b, 1, 2, 3, 4, 5]))]), /damaged pprof/);
  });
});

describe('a foreign file', () => {
  const foreign = JSON.stringify({ name: 'my-app', version: '1.0.0', dependencies: {} });

  it('JSON that is not a profile, under each extension', () => {
    expectOneLineFailure(runCli(['show', write('foreign.cpuprofile', foreign)]), /not a CPU profile/);
    expectOneLineFailure(runCli(['show', write('foreign.heapsnapshot', foreign)]), /not a V8 heap snapshot/);
    expectOneLineFailure(runCli(['show', write('foreign.handles.json', foreign)]), /not a handles dump/);
    expectOneLineFailure(runCli(['show', write('foreign.heapprofile', foreign)]), /not a sampling heap profile/);
    expectOneLineFailure(runCli(['show', write('package.json', foreign)]), /not a CPU profile, heap profile, heap snapshot, handles dump or block stack/);
  });

  it('a CPU profile named as a handles dump says what it holds', () => {
    expectOneLineFailure(runCli(['show', write('cpu.handles.json', TINY_PROFILE)]), /holds a CPU profile/);
  });

  it('text that is not JSON', () => {
    expectOneLineFailure(runCli(['show', write('notes.txt', 'hello\n')]), /not a file holmes-node reads/);
    expectOneLineFailure(runCli(['show', write('notes.heapsnapshot', 'hello\n')]), /not a V8 heap snapshot/);
  });

  it('flame on a heap snapshot, diff across formats', () => {
    expectOneLineFailure(runCli(['flame', snapshot]), /no call tree/);
    const profile = write('tiny.cpuprofile', TINY_PROFILE);
    expectOneLineFailure(runCli(['diff', snapshot, profile]), /cannot compare/);
  });
});

describe('a directory without dumps', () => {
  it('an empty directory', () => {
    const empty = join(dir, 'empty-dir');
    mkdirSync(empty);
    expectOneLineFailure(runCli(['ls', empty]), /no dumps in/);
  });

  it('a directory with only temporary and unrelated files', () => {
    const other = join(dir, 'other-dir');
    mkdirSync(other);
    writeFileSync(join(other, '.holmes-tmp-1-abcd-cpu-20261125T061313.123Z-1.cpuprofile'), '{');
    writeFileSync(join(other, 'notes.txt'), 'x');
    expectOneLineFailure(runCli(['ls', other]), /no dumps in/);
  });

  it('a directory that does not exist', () => {
    expectOneLineFailure(runCli(['ls', join(dir, 'not-there')]), /no such file or directory/);
  });
});

describe('usage mistakes exit 2', () => {
  it.each([
    [['frobnicate'], /unknown command "frobnicate"/],
    [['show'], /missing FILE/],
    [['show', '--bogus', 'x'], /--bogus/],
    [['diff', 'a'], /missing arguments/],
    [['show', 'x', '--top', 'many'], /--top wants a whole number/],
  ])('%j', (args, pattern) => {
    const result = runCli(args as string[]);
    expectOneLineFailure(result, pattern as RegExp);
    expect(result.code).toBe(2);
  });
});

describe('a small valid profile still works', () => {
  it('show prints its one function', () => {
    const result = runCli(['show', write('ok.cpuprofile', TINY_PROFILE)]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/work\s+\/app\.js:4/);
  });
});
