import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { build } from 'esbuild';
import { rollup } from 'rollup';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture, startChild, tempDir } from '../helpers/child.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * A build directory where the fixture app imports `holmes-node` by name, as a service does: its node_modules holds
 * holmes-node (this checkout, built) and nothing else. Bundles go to `out/`.
 */
let buildDir: string;
beforeAll(() => {
  buildDir = tempDir('holmes-bundle-build-', 'file');
  mkdirSync(join(buildDir, 'node_modules'));
  symlinkSync(ROOT, join(buildDir, 'node_modules', 'holmes-node'), 'dir');
  copyFileSync(fixture('bundle/app.mjs'), join(buildDir, 'app.mjs'));
});

type Bundler = (entry: string, outfile: string) => Promise<void>;

const esbuild =
  (format: 'esm' | 'cjs'): Bundler =>
  async (entry, outfile) => {
    await build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format, target: 'node20', logLevel: 'silent' });
  };

const rollupEsm: Bundler = async (entry, outfile) => {
  const bundle = await rollup({ input: entry, plugins: [nodeResolve({ preferBuiltins: true, exportConditions: ['node'] })], logLevel: 'silent' });
  try {
    await bundle.write({ file: outfile, format: 'es', inlineDynamicImports: true });
  } finally {
    await bundle.close();
  }
};

const BUNDLERS: Array<[string, string, Bundler]> = [
  ['esbuild, ESM output', 'app.mjs', esbuild('esm')],
  ['esbuild, CommonJS output', 'app.cjs', esbuild('cjs')],
  ['rollup, ESM output', 'app.rollup.mjs', rollupEsm],
];

describe('a host app bundled with holmes-node, run from a directory with no node_modules', () => {
  it.each(BUNDLERS)('%s: writes a CPU profile and catches a block', async (_name, file, bundle) => {
    const outfile = join(buildDir, 'out', file);
    await bundle(join(buildDir, 'app.mjs'), outfile);
    // the bundle alone, elsewhere: no node_modules beside it or above it, no worker file next to it
    const runDir = tempDir('holmes-bundle-run-');
    const bundled = join(runDir, file);
    copyFileSync(outfile, bundled);
    expect(existsSync(join(runDir, 'node_modules'))).toBe(false);
    const dumpDir = join(runDir, 'dumps');

    const run = startChild(bundled, [dumpDir], { cwd: runDir });
    const { code } = await run.exit();
    expect(code, run.describe()).toBe(0);
    expect(run.events.filter((e) => e.event === 'error' || e.event === 'failed')).toEqual([]);

    // the dumps after the fixture started to burn CPU: one written while the window filled would be of start-up work
    const burning = run.events.findIndex((e) => e.event === 'burning');
    expect(burning, run.describe()).toBeGreaterThan(-1);
    const dumps = run.events.slice(burning).filter((e) => e.event === 'dump');
    const cpu = dumps.find((e) => e.kind === 'cpu');
    // the block the fixture made (a starved machine may have stalled a burn slice past `block` before it)
    const blocking = run.events.findIndex((e) => e.event === 'blocking');
    const block = run.events.slice(blocking).find((e) => e.event === 'dump' && (e.file as string).endsWith('.block.json'));
    expect(cpu, run.describe()).toBeDefined();
    expect(block, run.describe()).toBeDefined();
    expect(dirname(cpu!.file as string)).toBe(dumpDir);
    // a whole DevTools profile with samples (what it names is tested unbundled: test/e2e/cpu.test.ts, attribution.test.ts)
    const profile = JSON.parse(readFileSync(cpu!.file as string, 'utf8')) as { nodes: unknown[]; samples: number[] };
    expect(profile.nodes.length).toBeGreaterThan(1);
    expect(profile.samples.length).toBeGreaterThan(0);
    const stack = (JSON.parse(readFileSync(block!.file as string, 'utf8')) as { stack: Array<{ functionName: string; url: string }> }).stack;
    expect(stack[0]!.functionName).toBe('blockTheLoopInBundleTest');
    expect(stack[0]!.url).toContain(file);

    // the optional addon is not there: said once, and the CPU profile came from node:inspector
    const addonLines = run.events.filter((e) => e.event === 'log' && String(e.m).includes('the native profiler addon is not available'));
    expect(addonLines).toHaveLength(1);
  });
});
