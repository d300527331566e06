// Loading what the benchmarks measure: the built public package dist/, built first when it is missing. Every
// benchmark measures holmes-node through its public API only (the reading cost through `Holmes#sampleNow()`), so
// nothing here mirrors holmes-node's internals.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DIST_ENTRY = join(ROOT, 'dist', 'index.js');
const BUILD_DIR = join(ROOT, 'bench', '.build');

/**
 * Runs `npm run build` when dist/index.js is absent (or when forced).
 * @param {{ force?: boolean, log?: (message: string) => void }} [options]
 */
export function ensureDist({ force = false, log = (m) => process.stderr.write(`${m}\n`) } = {}) {
  if (!force && existsSync(DIST_ENTRY)) return { built: false, mtime: statSync(DIST_ENTRY).mtime.toISOString() };
  log('bench: building dist/ (npm run build)…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], timeout: 180_000 });
  if (result.status !== 0 || !existsSync(DIST_ENTRY)) throw new Error(`npm run build failed (status ${result.status})`);
  return { built: true, mtime: statSync(DIST_ENTRY).mtime.toISOString() };
}

/**
 * The public API as the benchmarks import it: a copy of dist/ taken once per benchmark run (bench/.build/dist/),
 * so a rebuild of dist/ by someone else in the middle of a run (npm run build deletes it first) cannot break or
 * mix the run. The runner makes the copy and passes it to every script and child in HOLMES_BENCH_DIST.
 */
export function prepareDist() {
  const given = process.env.HOLMES_BENCH_DIST;
  if (given && existsSync(join(given, 'index.js'))) return given;
  const info = ensureDist();
  const copy = join(BUILD_DIR, 'dist');
  for (let attempt = 0; ; attempt++) {
    try {
      rmSync(copy, { recursive: true, force: true });
      mkdirSync(copy, { recursive: true });
      for (const name of readdirSync(join(ROOT, 'dist'))) {
        if (name.endsWith('.js') || name.endsWith('.cjs')) cpSync(join(ROOT, 'dist', name), join(copy, name));
      }
      if (!existsSync(join(copy, 'index.js'))) throw new Error('dist/index.js vanished while copying');
      break;
    } catch (error) {
      if (attempt >= 20) throw error;
      spawnSync('sleep', ['1']); // a concurrent rebuild: wait for it to finish
      if (!existsSync(DIST_ENTRY)) ensureDist();
    }
  }
  process.env.HOLMES_BENCH_DIST = copy;
  process.env.HOLMES_BENCH_DIST_MTIME = info.mtime;
  return copy;
}

/** URL of the public API for `import()`: the run's copy of dist/ when there is one, else dist/ itself. */
export function distUrl() {
  const dir = process.env.HOLMES_BENCH_DIST;
  return pathToFileURL(dir && existsSync(join(dir, 'index.js')) ? join(dir, 'index.js') : DIST_ENTRY).href;
}
