import { buildSync } from 'esbuild';
import { defineConfig } from 'tsup';

/**
 * The block watchdog's worker, bundled into one self-contained CommonJS script and inlined as a string constant in
 * every entry that starts it: `new Worker(code, { eval: true })` then needs no file beside the host's bundle, and
 * nothing evaluates `import.meta.url` at load (a CommonJS bundle has none). See src/watchdog/worker-source.ts.
 */
function watchdogWorkerSource(): string {
  const { outputFiles } = buildSync({
    entryPoints: ['src/watchdog/worker.ts'],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    write: false,
    // whitespace only: the names stay readable in a stack of the worker itself
    minifyWhitespace: true,
  });
  return outputFiles[0]!.text;
}

const define = { __HOLMES_WATCHDOG_WORKER__: JSON.stringify(watchdogWorkerSource()) };

export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    target: 'node18',
    shims: true,
    define,
  },
  {
    // zero-code start (`--import` / `--require holmes-node/register`): its own bundle in each format, so the
    // package's main entry keeps its single file per format
    entry: { register: 'src/register.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    target: 'node18',
    shims: true,
    define,
  },
  {
    // the operator's command: ESM only, no types
    entry: { cli: 'src/cli/main.ts' },
    format: ['esm'],
    target: 'node18',
    banner: { js: '#!/usr/bin/env node' },
  },
]);
