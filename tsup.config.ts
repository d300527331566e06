import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  target: 'node18',
  sourcemap: false,
  shims: true,
  // native addons stay outside the bundle and are loaded lazily at run time
  external: ['v8-profiler-next'],
});
