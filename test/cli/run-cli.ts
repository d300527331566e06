import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fixture, runNodeSync, type SyncResult } from '../helpers/child.js';

/** The built command, as `npm test` builds it first (pretest). */
export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const MAKE_DUMPS = fixture('cli/make-dumps.mjs');

export type CliResult = Pick<SyncResult, 'code' | 'stdout' | 'stderr'>;

/** Runs `node dist/cli.js ...args` (bounded, see test/helpers/child.ts). */
export function runCli(args: string[], cwd?: string): CliResult {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
  const { code, stdout, stderr } = runNodeSync([CLI, ...args], { cwd, timeoutMs: 120_000 });
  return { code, stdout, stderr };
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
  const result = runNodeSync([MAKE_DUMPS, dir], { timeoutMs: 120_000 });
  if (result.code !== 0) throw new Error(`make-dumps failed (${result.code}): ${result.stderr}`);
  return (JSON.parse(result.stdout) as { files: FixtureFiles }).files;
}
