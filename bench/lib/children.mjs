// Child processes of the benchmarks: every one is tracked and killed when the benchmark ends, however it ends.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** @typedef {import('node:child_process').ChildProcess} ChildProcess */
/** @typedef {{ type: string, [key: string]: any }} Message A message over the IPC channel, tagged by its `type`. */
/** @typedef {{ code: number | null, signal: NodeJS.Signals | null }} Exit */

/** @type {Set<ChildProcess>} */
const live = new Set();
/** @type {Set<string>} */
const tempDirs = new Set();

function killAll() {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
  live.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}
process.on('exit', killAll);
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

/** A fresh temporary directory, removed at exit (and by `removeTemp`). */
export function makeTemp(prefix = 'holmes-bench-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/** @param {string} dir */
export function removeTemp(dir) {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/**
 * Forks a Node child with an IPC channel. Returns helpers: `next(type)` waits for the next message of a type,
 * `request(msg, type)` sends and waits, `close()` asks it to exit and kills it after `graceMs`.
 * @param {string} script
 * @param {string[]} [args]
 * @param {{ execArgv?: string[], env?: NodeJS.ProcessEnv, timeoutMs?: number }} [options]
 */
export function spawnChild(script, args = [], { execArgv = [], env = {}, timeoutMs = 120_000 } = {}) {
  const child = fork(script, args, {
    execArgv,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  live.add(child);
  let stderr = '';
  // both are piped (stdio above), so neither is null
  /** @type {import('node:stream').Readable} */ (child.stdout).on('data', () => {});
  /** @type {import('node:stream').Readable} */ (child.stderr).on('data', (d) => {
    stderr += d;
    if (stderr.length > 20_000) stderr = stderr.slice(-20_000);
  });
  /** @type {Message[]} */
  const queue = [];
  /** @typedef {{ type: string, resolve: (msg: Message) => void, reject: (error: Error) => void }} Waiter */
  /** @type {Waiter[]} */
  const waiters = [];
  /** @type {Exit | null} */
  let exited = null;
  /** @type {Promise<Exit>} */
  const exitPromise = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      live.delete(child);
      exited = { code, signal };
      clearTimeout(safety);
      for (const w of waiters.splice(0)) w.reject(new Error(`child ${script} exited (${code ?? signal}) while waiting for '${w.type}'\n${stderr}`));
      resolve(exited);
    }),
  );
  // a hung child must not hang the benchmark
  const safety = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  child.on('message', (/** @type {Message} */ msg) => {
    const i = waiters.findIndex((w) => w.type === msg?.type);
    if (i >= 0) waiters.splice(i, 1)[0].resolve(msg);
    else queue.push(msg);
  });
  /**
   * @param {string} type
   * @param {number} [ms]
   * @returns {Promise<Message>}
   */
  const next = (type, ms = timeoutMs) => {
    const i = queue.findIndex((m) => m?.type === type);
    if (i >= 0) return Promise.resolve(queue.splice(i, 1)[0]);
    if (exited) return Promise.reject(new Error(`child ${script} already exited (${exited.code ?? exited.signal})\n${stderr}`));
    return new Promise((resolve, reject) => {
      /** @type {Waiter} */
      const w = { type, resolve, reject };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(w), 1);
        reject(new Error(`child ${script}: no '${type}' within ${ms} ms\n${stderr}`));
      }, ms);
      w.resolve = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
      w.reject = (e) => {
        clearTimeout(timer);
        reject(e);
      };
      waiters.push(w);
    });
  };
  return {
    child,
    pid: child.pid,
    next,
    /** @param {Message} msg */
    send: (msg) => child.send(msg),
    /**
     * @param {Message} msg
     * @param {string} type
     * @param {number} [ms]
     */
    request(msg, type, ms) {
      const p = next(type, ms);
      child.send(msg);
      return p;
    },
    get stderr() {
      return stderr;
    },
    exited: exitPromise,
    /** @returns {Promise<Exit>} */
    async close(graceMs = 5000) {
      if (exited) return exited;
      try {
        child.send({ type: 'exit' });
      } catch {
        /* channel closed */
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exitPromise;
      clearTimeout(timer);
      return result;
    },
  };
}
