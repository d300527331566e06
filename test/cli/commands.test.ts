import { readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/child.js';
import { makeDumps, runCli, runJson, type FixtureFiles } from './run-cli.js';

let dir: string;
let files: FixtureFiles;

beforeAll(() => {
  dir = join(tempDir('holmes-cli-'), 'dumps'); // removed after the file
  files = makeDumps(dir);
}, 120_000);

interface Row {
  name: string;
  location: string;
  self: number;
  selfPercent: number;
  total: number;
  totalPercent: number;
}

describe('holmes-node ls', () => {
  it('lists every dump newest first with kind, size and the reason from its meta file, and hides temporary files', () => {
    const result = runCli(['ls', dir]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe(`${dir}: 8 dumps`);
    expect(result.stdout).not.toContain('.holmes-tmp-');
    expect(result.stdout).not.toContain('.meta.json');
    // newest first: the pprof was written last, the CPU profile first
    const order = [
      files.pprof,
      files.block,
      files.handles,
      files.heapProfileAfter,
      files.heapProfileBefore,
      files.heapAfter,
      files.heapBefore,
      files.cpuprofile,
    ].map((f) => basename(f));
    const positions = order.map((name) => result.stdout.indexOf(name));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    const cpuLine = lines.find((l) => l.includes(basename(files.cpuprofile)))!;
    expect(cpuLine).toMatch(/\bcpu\b/);
    expect(cpuLine).toContain('cpu 93.1% >= abs 70% (average 4.2%), min 10%');
    expect(lines.find((l) => l.includes(basename(files.pprof)))).toContain('(no meta file)');
  });

  it('--json gives the same dumps with size, time, pid and meta', () => {
    const report = runJson<{
      dir: string;
      dumps: Array<{
        file: string;
        kind: string;
        format: string;
        size: number;
        time: string;
        pid: number;
        summary: string | null;
        meta: { reason: { rule: string } } | null;
      }>;
    }>(['ls', dir]);
    expect(report.dir).toBe(dir);
    expect(report.dumps).toHaveLength(8);
    const times = report.dumps.map((d) => Date.parse(d.time));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const cpu = report.dumps.find((d) => d.file === basename(files.cpuprofile))!;
    expect(cpu).toMatchObject({ kind: 'cpu', format: 'cpuprofile', size: statSync(files.cpuprofile).size });
    expect(cpu.summary).toContain('cpu 93.1%');
    expect(cpu.meta?.reason.rule).toBe('cpu');
    expect(report.dumps.find((d) => d.file === basename(files.heapAfter))?.format).toBe('heapsnapshot');
    expect(report.dumps.find((d) => d.file === basename(files.handles))?.format).toBe('handles');
    expect(report.dumps.find((d) => d.file === basename(files.pprof))?.summary).toBeNull();
    expect(report.dumps.find((d) => d.file === basename(files.block))).toMatchObject({ kind: 'eventLoop', format: 'block' });
  });
});

describe('holmes-node show', () => {
  it('a CPU profile: the hot function tops self time, with file:line and percent, and the reason', () => {
    const result = runCli(['show', files.cpuprofile]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Top functions by self time');
    expect(result.stdout).toContain('Top functions by total time');
    expect(result.stdout).toContain('reason: cpu 93.1% >= abs 70%');
    expect(result.stdout).toMatch(/burnCpuInHolmesCliTest\s+\S*make-dumps\.mjs:\d+/);

    const report = runJson<{ format: string; unit: string; bySelf: Row[]; byTotal: Row[] }>(['show', files.cpuprofile, '--top', '5']);
    expect(report).toMatchObject({ format: 'cpuprofile', unit: 'microseconds' });
    expect(report.bySelf.length).toBeLessThanOrEqual(5);
    const hot = report.bySelf[0]!;
    expect(hot.name).toBe('burnCpuInHolmesCliTest');
    expect(hot.location).toMatch(/make-dumps\.mjs:\d+$/);
    expect(hot.selfPercent).toBeGreaterThan(50);
    expect(hot.total).toBeGreaterThanOrEqual(hot.self);
    expect(report.byTotal.map((r) => r.name)).toContain('burnCpuInHolmesCliTest');
  });

  it('a pprof file: the same hot function, by its cpu sample type', () => {
    const report = runJson<{ format: string; unit: string; facts: { sampleType: string }; bySelf: Row[] }>(['show', files.pprof]);
    expect(report).toMatchObject({ format: 'pprof', unit: 'nanoseconds', facts: { sampleType: 'cpu/nanoseconds' } });
    expect(report.bySelf[0]!.name).toBe('burnCpuInHolmesCliTest');
    const bySamples = runJson<{ unit: string; bySelf: Row[] }>(['show', files.pprof, '--sample-type', 'samples']);
    expect(bySamples.unit).toBe('count');
    expect(bySamples.bySelf[0]!.name).toBe('burnCpuInHolmesCliTest');
  });

  it('a heap snapshot: the leaked class by count, sizes, retained size and a retainer path from a GC root', () => {
    const result = runCli(['show', files.heapAfter]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Top constructors by retained size');
    expect(result.stdout).toContain('Top constructors by count');
    expect(result.stdout).toMatch(/21,000\s.*LeakyHolmesCliThing/);
    expect(result.stdout).toContain('.leakyHolmesCliStore → Array');

    interface Stats {
      name: string;
      count: number;
      shallowSize: number;
      retainedSize: number;
    }
    const report = runJson<{
      format: string;
      nodeCount: number;
      totalSize: number;
      byCount: Stats[];
      byShallowSize: Stats[];
      byRetainedSize: Stats[];
      largest: Array<{ name: string; retainedSize: number; path: Array<{ edge: string; name: string }> }>;
    }>(['show', files.heapAfter, '--top', '10']);
    expect(report.format).toBe('heapsnapshot');
    const leaked = report.byCount.find((s) => s.name === 'LeakyHolmesCliThing');
    expect(leaked).toBeDefined();
    expect(leaked!.count).toBe(21_000);
    expect(leaked!.shallowSize).toBeGreaterThan(0);
    // each object holds its payload array: it retains more than itself
    expect(leaked!.retainedSize).toBeGreaterThan(leaked!.shallowSize);
    expect(report.byRetainedSize.map((s) => s.name)).toContain('LeakyHolmesCliThing');
    // the array holding the leak is the largest program object, reached from the global object
    const store = report.largest[0]!;
    expect(store.name).toBe('Array');
    expect(store.retainedSize).toBeGreaterThan(leaked!.retainedSize * 0.9);
    expect(store.path.map((s) => s.edge)).toContain('leakyHolmesCliStore');
    const thing = report.largest.find((o) => o.name === 'LeakyHolmesCliThing');
    expect(thing?.path.at(-2)?.edge).toBe('leakyHolmesCliStore');
  });

  it('a handles dump: counts by type, look-alike groups and the top creation stacks', () => {
    const result = runCli(['show', files.handles]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/25\s+\S+%\s+Timeout/);
    expect(result.stdout).toContain('25 × Timeout');
    expect(result.stdout).toContain('openTimersInHolmesCliTest');
    expect(result.stdout).toContain('every 60000 ms');

    const report = runJson<{
      format: string;
      total: number;
      byType: Array<{ type: string; count: number }>;
      stacks: Array<{ type: string; count: number; stack: string[] }>;
    }>(['show', files.handles]);
    expect(report.format).toBe('handles');
    expect(report.byType[0]).toMatchObject({ type: 'Timeout', count: 25 });
    expect(report.stacks[0]!.count).toBe(25);
    expect(report.stacks[0]!.stack.join('\n')).toContain('openTimersInHolmesCliTest');
  });

  it('an event-loop block stack: how long and where', () => {
    const result = runCli(['show', files.block]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('blocked for 2013 ms (threshold 2000 ms)');
    expect(result.stdout).toMatch(/spinInHolmesCliTest\s+\S*make-dumps\.mjs:\d+:\d+/);
    const report = runJson<{ format: string; blockedMs: number; stack: Array<{ functionName: string }> }>(['show', files.block]);
    expect(report).toMatchObject({ format: 'block', blockedMs: 2013 });
    expect(report.stack[0]!.functionName).toBe('spinInHolmesCliTest');
  });

  it('a heap profile: the allocating function by self bytes', () => {
    const report = runJson<{ format: string; unit: string; bySelf: Row[] }>(['show', files.heapProfileAfter]);
    expect(report).toMatchObject({ format: 'heapprofile', unit: 'bytes' });
    expect(report.bySelf[0]!.name).toBe('allocateInHolmesCliTest');
  });
});

describe('holmes-node flame', () => {
  it('writes one self-contained HTML file naming the hot function, with no network reference', () => {
    const out = join(dir, '..', 'cpu.html');
    const result = runCli(['flame', files.cpuprofile, '-o', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`wrote ${out}`);
    const html = readFileSync(out, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('burnCpuInHolmesCliTest');
    expect(html).toContain('<canvas');
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)=/i);
    // the embedded data cannot end its script element early
    const data = /<script type="application\/json" id="data">([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(JSON.parse(data).frames.map((f: string[]) => f[0])).toContain('burnCpuInHolmesCliTest');
  });

  it('draws a heap profile too, and reports the output with --json', () => {
    const out = join(dir, '..', 'heap.html');
    const report = runJson<{ output: string; format: string; unit: string; frames: number }>(['flame', files.heapProfileAfter, '--output', out]);
    expect(report).toMatchObject({ output: out, format: 'heapprofile', unit: 'bytes' });
    expect(report.frames).toBeGreaterThan(1);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('allocateInHolmesCliTest');
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('defaults to <dump name>.html in the current directory', () => {
    const cwd = join(dir, '..');
    const result = runCli(['flame', files.pprof], cwd);
    expect(result.code, result.stderr).toBe(0);
    const expected = join(cwd, basename(files.pprof).replace(/\.pb\.gz$/, '.html'));
    expect(readFileSync(expected, 'utf8')).toContain('burnCpuInHolmesCliTest');
  });
});

describe('holmes-node diff', () => {
  it('two heap snapshots: the leaked class grew by the objects added between them, all of them new', () => {
    const result = runCli(['diff', files.heapBefore, files.heapAfter]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/\+20,000\s.*LeakyHolmesCliThing/);

    interface Delta {
      name: string;
      countDelta: number;
      sizeDelta: number;
      newCount: number | null;
    }
    const report = runJson<{ idsComparable: boolean; notes: string[]; classes: Delta[] }>([
      'diff',
      files.heapBefore,
      files.heapAfter,
      '--sort',
      'count',
      '--top',
      '10',
    ]);
    expect(report.idsComparable).toBe(true);
    expect(report.notes).toEqual([]);
    const leaked = report.classes.find((c) => c.name === 'LeakyHolmesCliThing');
    expect(leaked).toMatchObject({ countDelta: 20_000, newCount: 20_000 });
    expect(leaked!.sizeDelta).toBeGreaterThan(0);
  });

  it('notes when the files are given newest first', () => {
    const report = runJson<{ notes: string[]; classes: Array<{ name: string; countDelta: number }> }>([
      'diff',
      files.heapAfter,
      files.heapBefore,
      '--top',
      '500',
    ]);
    expect(report.notes.join(' ')).toContain('newer');
    expect(report.classes.find((c) => c.name === 'LeakyHolmesCliThing')?.countDelta).toBe(-20_000);
  });

  it('two heap profiles: the allocating function grew most', () => {
    const result = runCli(['diff', files.heapProfileBefore, files.heapProfileAfter]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('allocateInHolmesCliTest');
    const report = runJson<{ format: string; functions: Array<{ name: string; selfDelta: number }> }>([
      'diff',
      files.heapProfileBefore,
      files.heapProfileAfter,
    ]);
    expect(report.format).toBe('heapprofile');
    expect(report.functions[0]).toMatchObject({ name: 'allocateInHolmesCliTest' });
    expect(report.functions[0]!.selfDelta).toBeGreaterThan(0);
  });
});

describe('--help', () => {
  it.each(['ls', 'show', 'flame', 'diff'])('%s --help prints its usage and exits 0', (command) => {
    const result = runCli([command, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Usage: holmes-node ${command}`);
    expect(result.stdout).toContain('--json');
  });

  it('the command list', () => {
    const result = runCli(['--help']);
    expect(result.code).toBe(0);
    for (const command of ['ls', 'show', 'flame', 'diff']) expect(result.stdout).toContain(`  ${command} `);
  });
});
