/**
 * Zero-code start: `node --import holmes-node/register app.mjs`, `node --require holmes-node/register app.cjs`, or
 * either in `NODE_OPTIONS`. Reads the configuration from the environment (`HOLMES_*`, or the JSON file `HOLMES_CONFIG`
 * names) and starts one Holmes on the process's main thread. Invalid configuration prints one line on stderr naming
 * the variable, and the service runs unwatched: nothing here ever throws into the host or keeps it alive.
 */
import { isMainThread } from 'node:worker_threads';
import { EnvConfigError, LOG_VARIABLE, explainConfigError, readEnvConfig } from './config/env.js';
import { HolmesConfigError } from './errors.js';
import { Holmes } from './holmes.js';
import type { Logger } from './logger.js';

/** Shared by the ESM and the CommonJS build, so `--import` and `--require` together still start one Holmes. */
const REGISTERED = Symbol.for('holmes-node.register');

type Registry = { [REGISTERED]?: Holmes | null };

const LEVELS = ['info', 'warn', 'error', 'silent'] as const;

function say(line: string): void {
  try {
    process.stderr.write(`holmes-node: ${line}\n`);
  } catch {
    // stderr closed: nothing more to do
  }
}

/** Holmes' messages at `level` and above, one line each on stderr. */
function stderrLogger(level: (typeof LEVELS)[number]): Logger {
  const from = LEVELS.indexOf(level);
  const line = (at: number) => (message: string) => {
    if (at >= from) process.stderr.write(`${message}\n`);
  };
  return { info: line(0), warn: line(1), error: line(2) };
}

function start(env: NodeJS.ProcessEnv): Holmes | null {
  const level = env[LOG_VARIABLE] || 'warn';
  if (!(LEVELS as readonly string[]).includes(level)) {
    say(`${LOG_VARIABLE}=${JSON.stringify(level).slice(0, 40)}: must be one of ${LEVELS.join(', ')}; not watching this process`);
    return null;
  }
  let config: ReturnType<typeof readEnvConfig> | undefined;
  try {
    config = readEnvConfig(env);
    const holmes = new Holmes({ ...config.options, logger: stderrLogger(level as (typeof LEVELS)[number]) });
    // an unheard 'error' event is only logged (holmes.ts), never thrown: nothing to listen to here
    return holmes.start();
  } catch (error) {
    const line =
      error instanceof EnvConfigError
        ? error.message
        : error instanceof HolmesConfigError && config
          ? explainConfigError(error, config, env)
          : `could not start: ${error instanceof Error ? error.message : String(error)}`;
    say(`${line.replace(/\s*\n\s*/g, ' ')}; not watching this process`);
    return null;
  }
}

/**
 * Starts holmes-node from the environment, once per process and only on the main thread: a worker thread inherits
 * `NODE_OPTIONS` and `execArgv`, and would otherwise start a second watcher of the same process.
 */
function register(): void {
  const registry = globalThis as Registry;
  if (!isMainThread || REGISTERED in registry) return;
  registry[REGISTERED] = null;
  registry[REGISTERED] = start(process.env);
}

register();

/** The Holmes the zero-code start runs (to call `dump()` or listen to its events), or undefined if it did not start. */
export function registered(): Holmes | undefined {
  return (globalThis as Registry)[REGISTERED] ?? undefined;
}
