import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { fixture, freshDir, runNodeSync, startChild, tempDir } from '../helpers/child.js';

interface Node {
  callFrame: { functionName: string };
  children: Node[];
}
const functionNames = (node: Node): string[] => [node.callFrame.functionName, ...node.children.flatMap(functionNames)];

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');
// the near-limit snapshot of a ~100 MB heap takes tens of seconds on a loaded 2-core machine
const SLOW_MS = 240_000;

describe('a heap that reaches its limit in about a second', () => {
  it(
    'leaves a complete snapshot (written by V8 near the limit), which the next start() on the dump directory adopts under holmes-node naming, with its meta, listed by ls',
    async () => {
      const dumpDir = freshDir();
      const cwd = tempDir('holmes-oom-cwd-');
      const options = JSON.stringify({ dumpDir, interval: 5000 });
      const dying = startChild(fixture('heap-oom.mjs'), ['oom', options], { nodeArgs: ['--max-old-space-size=96'], cwd });
      const exit = await dying.exit(SLOW_MS);
      // it really died of its heap, faster than any reading (5 s interval)
      expect(exit.code === 134 || exit.signal === 'SIGABRT', `code ${exit.code} signal ${exit.signal}; ${dying.stderr.slice(-500)}`).toBe(true);
      expect(dying.stderr).toMatch(/heap out of memory/i);
      const armed = dying.events.find((e) => e.event === 'armed');
      expect(armed, JSON.stringify(dying.events)).toBeDefined();
      const pid = dying.pid;
      // V8 wrote where it writes (the working directory), under its own name
      expect(readdirSync(cwd).filter((name) => name.endsWith('.heapsnapshot'))).toHaveLength(1);

      const next = startChild(fixture('heap-oom.mjs'), ['adopt', options]);
      expect((await next.exit(SLOW_MS)).code, next.stderr).toBe(0);
      const dump = next.events.find((e) => e.event === 'dump' && String(e.file).endsWith('.heapsnapshot'));
      expect(dump, JSON.stringify(next.events)).toBeDefined();
      const file = dump!.file as string;
      expect(basename(file)).toMatch(new RegExp(`^heap-\\d{8}T\\d{6}\\.\\d{3}Z-${pid}\\.heapsnapshot$`));
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readdirSync(cwd)).toEqual([]);
      const meta = JSON.parse(readFileSync(dump!.metaFile as string, 'utf8'));
      expect(meta.kind).toBe('heap');
      expect(meta.pid).toBe(pid);
      expect(meta.details.reason).toBe('near heap limit, adopted');
      expect(meta.reason.trigger).toBe('nearHeapLimit');
      // complete: it parses, and holds the leaking class (parsed in a child: it is a few hundred MB of JSON)
      const parsed = runNodeSync([
        '-e',
        `const s = JSON.parse(require('fs').readFileSync(${JSON.stringify(file)}, 'utf8')); console.log(JSON.stringify({ nodes: s.nodes.length, leaky: s.strings.includes('HolmesLeakyRecord') }))`,
      ]);
      expect(parsed.code, parsed.stderr).toBe(0);
      expect(JSON.parse(parsed.stdout)).toMatchObject({ leaky: true });
      // the marker is gone once adopted, and the operator's command lists the dump
      expect(readdirSync(dumpDir).filter((name) => name.startsWith('.holmes-armed-'))).toEqual([]);
      expect(existsSync(file)).toBe(true);
      const ls = runNodeSync([CLI, 'ls', dumpDir]);
      expect(ls.stdout).toContain(basename(file));
      expect(ls.stdout).toMatch(/near its limit/);
      // where the line has v8.setHeapProfileNearHeapLimit (Node 26), the running heap profile was written first
      const profiles = next.events.filter((e) => e.event === 'dump' && String(e.file).endsWith('.heapprofile'));
      if (typeof (v8 as { setHeapProfileNearHeapLimit?: unknown }).setHeapProfileNearHeapLimit === 'function') {
        expect(profiles).toHaveLength(1);
        expect(functionNames(JSON.parse(readFileSync(profiles[0]!.file as string, 'utf8')).head)).toContain('leakRecordsInHolmesTest');
      } else {
        expect(profiles).toEqual([]);
      }
    },
    SLOW_MS * 2,
  );
});
