import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built command, as `npm test` builds it first (pretest). */
export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const MAKE_DUMPS = fileURLToPath(new URL('../fixtures/cli/make-dumps.mjs', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli.js ...args`. */
export function runCli(args: string[], cwd?: string): CliResult {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs `--json` and parses stdout, failing with stderr when the command failed. */
export function runJson<T>(args: string[]): T {
  const result = runCli([...args, '--json']);
  if (result.code !== 0) throw new Error(`holmes-node ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** Paths of the dumps the fixture wrote. */
export interface FixtureFiles {
  cpuprofile: string;
  heapBefore: string;
  heapAfter: string;
  heapProfileBefore: string;
  heapProfileAfter: string;
  handles: string;
  pprof: string;
  block: string;
}

/** Runs the fixture process that writes real dumps of itself into `dir`. */
export function makeDumps(dir: string): FixtureFiles {
  const result = spawnSync(process.execPath, [MAKE_DUMPS, dir], { encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`make-dumps failed (${result.status}): ${result.stderr}`);
  return (JSON.parse(result.stdout) as { files: FixtureFiles }).files;
}
