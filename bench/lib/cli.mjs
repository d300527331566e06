// Command line and result plumbing shared by the benchmark scripts.
// Every script: `node bench/<name>.mjs [--quick] [--json <file>]`; prints a readable report on stdout and,
// with --json, writes its result object to <file> (the runner collects these).
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { roundAll } from './stats.mjs';

/**
 * @typedef {object} Args
 * @property {boolean} quick
 * @property {string | null} json
 * @property {boolean} build
 * @property {string[]} [only]
 * @property {string[]} [variants]
 */

/**
 * @param {string[]} [argv]
 * @returns {Args}
 */
export function parseArgs(argv = process.argv.slice(2)) {
  /** @type {Args} */
  const args = { quick: false, json: null, build: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') args.quick = true;
    else if (a === '--build') args.build = true;
    else if (a === '--json') args.json = argv[++i];
    else if (a === '--only') args.only = (argv[++i] ?? '').split(',');
    else if (a === '--variants') args.variants = (argv[++i] ?? '').split(',');
    else throw new Error(`unknown argument ${a}; usage: [--quick] [--json <file>] [--build] [--only a,b] [--variants a,b]`);
  }
  return args;
}

export function machine() {
  const c = cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform} ${process.arch}`,
    cpus: c.length,
    cpuModel: c[0]?.model ?? 'unknown',
  };
}

/**
 * Runs `main(args)` when the file is executed directly; writes the result as JSON when asked.
 * @param {string} importMetaUrl
 * @param {(args: Args) => unknown} main
 */
export async function runMain(importMetaUrl, main) {
  const { fileURLToPath } = await import('node:url');
  if (process.argv[1] !== fileURLToPath(importMetaUrl)) return;
  const args = parseArgs();
  try {
    const result = await main(args);
    if (args.json) writeFileSync(args.json, `${JSON.stringify(roundAll(result, 4), null, 2)}\n`);
    process.exitCode = 0;
  } catch (/** @type {any} */ error) {
    process.stderr.write(`${error?.stack ?? error}\n`);
    process.exitCode = 1;
  }
}

/** @param {string} [line] */
export const log = (line = '') => process.stdout.write(`${line}\n`);
