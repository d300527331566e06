import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    target: 'node18',
    shims: true,
  },
  {
    // zero-code start (`--import` / `--require holmes-node/register`): its own bundle in each format, so the
    // package's main entry keeps its single file per format
    entry: { register: 'src/register.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    target: 'node18',
    shims: true,
    external: ['v8-profiler-next'],
  },
  {
    // the operator's command: ESM only, no types
    entry: { cli: 'src/cli/main.ts' },
    format: ['esm'],
    target: 'node18',
    banner: { js: '#!/usr/bin/env node' },
  },
  {
    // the block watchdog's worker thread: found at run time beside the main bundle (src/watchdog/watchdog.ts)
    entry: { 'watchdog-worker': 'src/watchdog/worker.ts' },
    format: ['esm'],
    target: 'node18',
  },
]);
