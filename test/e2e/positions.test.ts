import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { FIXTURE, positionOf, runAttribution, type Backend } from './attribution-child.js';

const SOURCE_LINE = (line: number): string => readFileSync(FIXTURE, 'utf8').split('\n')[line]!;
import { freshDir } from '../helpers/child.js';
import { nativeAddon, requires } from '../helpers/requirements.js';

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}

/**
 * Both backends must write the same positions: the `.cpuprofile` in DevTools' convention (0-based, `file://` URL),
 * `holmes-node show` and pprof 1-based, as editors and the pprof spec number lines.
 */
describe('source positions in CPU profiles', () => {
  // The frame checked is the timer's callback, `() => {` on the line after `const callers = [` (V8 names it after its
  // array): it is in every profile of this workload, whether the hot function it calls is named (an eager profile)
  // or charged to it (a late one, attribution.test.ts); V8 places a function at its parameter list, the `(`.
  const array = positionOf('const callers = [');
  const paren = { line: array.line + 1, column: SOURCE_LINE(array.line + 1).indexOf('() =>') };
  const NAME = 'callers';
  for (const backend of ['native', 'inspector'] as Backend[]) {
    it(`${backend}: DevTools 0-based, show and pprof 1-based, same file URL`, async (ctx) => {
      // without the addon, the native backend is not there to compare (a skip that says so, a failure on CI)
      if (backend === 'native') requires(ctx, nativeAddon);
      const dumpDir = freshDir('holmes-pos-');
      const events = await runAttribution(
        'timer',
        {
          dumpDir,
          interval: 100,
          window: 1,
          profileFormat: 'both',
          cpu: { min: 5, abs: 8, profileDuration: 1000 },
        },
        0,
        backend,
      );
      const dump = events.find((e) => e.event === 'dump');
      expect(dump, JSON.stringify(events)).toBeDefined();
      expect((dump!.details as { profiler: string }).profiler).toBe(backend);

      const profile = JSON.parse(readFileSync(dump!.file as string, 'utf8')) as { nodes: ProfileNode[] };
      const hot = profile.nodes.find((node) => node.callFrame.functionName === NAME);
      expect(hot, profile.nodes.map((n) => n.callFrame.functionName).join(' ')).toBeDefined();
      expect(hot!.callFrame.lineNumber).toBe(paren.line);
      expect(hot!.callFrame.columnNumber).toBe(paren.column);
      expect(hot!.callFrame.url).toBe(pathToFileURL(FIXTURE).href);
      const root = profile.nodes.find((node) => node.callFrame.functionName === '(root)')!;
      expect([root.callFrame.lineNumber, root.callFrame.columnNumber]).toEqual([-1, -1]);

      const show = runCli(['show', dump!.file as string, '--top', '50']);
      expect(show.code, show.stderr).toBe(0);
      const row = show.stdout.split('\n').find((line) => line.includes(NAME));
      expect(row, show.stdout).toContain(`${FIXTURE}:${paren.line + 1}`);

      const pprofFile = `${dumpDir}/${basename(dump!.file as string, '.cpuprofile')}.pb.gz`;
      const pprof = Profile.decode(gunzipSync(readFileSync(pprofFile)));
      const strings = pprof.stringTable.strings;
      const fn = pprof.function.find((f) => strings[Number(f.name)] === NAME)!;
      expect(fn, 'pprof has the function').toBeDefined();
      expect(strings[Number(fn.filename)]).toBe(FIXTURE);
      expect(Number(fn.startLine)).toBe(paren.line + 1);
      const lines = pprof.location.flatMap((l) => l.line).filter((l) => Number(l.functionId) === Number(fn.id));
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect([Number(line.line), Number(line.column)]).toEqual([paren.line + 1, paren.column + 1]);
    });
  }
});
