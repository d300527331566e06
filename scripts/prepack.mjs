// npm pack / npm publish: build dist/ unless it is already newer than everything it is built from.
// The test suite packs the package (test/e2e/package.test.ts) while other test files run children
// against dist/, right after `pretest` built it: rebuilding there would delete dist/ under them.
// Everything goes to stderr: `npm pack --json` prints its JSON on stdout.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const OUTPUTS = ['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts', 'cli.js'].map((f) => join('dist', f));
const INPUTS = ['src', 'package.json', 'tsconfig.json', 'tsup.config.ts'];

function mtimes(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return [stat.mtimeMs];
  return readdirSync(path).flatMap((name) => mtimes(join(path, name)));
}

function oldestOutput() {
  try {
    return Math.min(...OUTPUTS.map((f) => statSync(f).mtimeMs));
  } catch {
    return -Infinity; // an output is missing
  }
}

const newestInput = Math.max(...INPUTS.flatMap(mtimes));
if (oldestOutput() > newestInput) {
  console.error('prepack: dist/ is newer than its sources, not rebuilt');
} else {
  const build = spawnSync('npm', ['run', 'build'], { stdio: ['ignore', process.stderr, process.stderr] });
  process.exitCode = build.status ?? 1;
}
