/**
 * The one child-process harness of the test suite.
 *
 * - Every child started here is registered and killed (SIGKILL) at teardown, even when an assertion failed first.
 * - Every temporary directory made by `tempDir()` / `freshDir()` is removed at teardown.
 * - Waiting is always bounded: `waitUntil()` polls a condition, `Child.waitFor()` waits for an event, `Child.exit()`
 *   waits for a child to end by itself; each fails with what it was waiting for and what the child said. The bounds
 *   are safety nets against a hang, not speed assertions: raise them on a slow machine with HOLMES_TEST_WAIT_MS and
 *   HOLMES_TEST_EXIT_MS.
 *
 * Teardown: what is registered while a test runs is undone after that test (afterEach), what is registered outside
 * a test (beforeAll, describe body) after the file (afterAll), last registered first. test/helpers/setup.ts installs
 * the hooks (vitest.config.ts `setupFiles`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestRunner } from 'vitest';

const positive = (value: string | undefined, fallback: number): number => (Number(value) > 0 ? Number(value) : fallback);

/** Default bound of a wait for a condition or an event (ms). */
export const WAIT_MS = positive(process.env.HOLMES_TEST_WAIT_MS, 40_000);
/** Default bound of a wait for a child to exit by itself, and of a synchronous run (ms). */
export const EXIT_MS = positive(process.env.HOLMES_TEST_EXIT_MS, 60_000);
/** Default pause between two polls of a condition (ms). */
export const POLL_MS = 25;

// ---------------------------------------------------------------------------------------------------------------
// teardown

type Cleanup = () => unknown;
const testScope: Cleanup[] = [];
const fileScope: Cleanup[] = [];

export type Scope = 'test' | 'file';

/** Runs `cleanup` at teardown: by default after the current test, or after the file when called outside a test. */
export function defer(cleanup: Cleanup, scope: Scope = TestRunner.getCurrentTest() ? 'test' : 'file'): void {
  (scope === 'test' ? testScope : fileScope).push(cleanup);
}

/** Undoes what was registered, last first. Called by test/helpers/setup.ts; never throws (a test's own failure stays the one reported). */
export async function teardown(scope: Scope): Promise<void> {
  const stack = scope === 'test' ? testScope : fileScope;
  for (const cleanup of stack.splice(0).reverse()) {
    try {
      await cleanup();
    } catch (error) {
      console.warn(`test teardown: ${(error as Error).message}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// temporary directories and bounded waits

/** A fresh temporary directory, removed at teardown (of the current test by default; `'file'` to share it between tests). */
export function tempDir(prefix = 'holmes-test-', scope?: Scope): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  defer(() => rmSync(dir, { recursive: true, force: true, maxRetries: 3 }), scope);
  return dir;
}

/** A dump directory for one test, not created yet (holmes-node creates it), inside a `tempDir()`. */
export function freshDir(prefix = 'holmes-e2e-'): string {
  return join(tempDir(prefix), 'dumps');
}

/**
 * Names in a directory, sorted: tests check that no temporary file is left. The directory's shared budget ledger
 * (`.holmes-ledger`, README "Many processes, one directory") is left out: it is not a dump.
 */
export function listDir(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name !== '.holmes-ledger')
    .sort();
}

type Falsy = undefined | null | false;

/**
 * Polls `check` until it returns something other than undefined, null or false, and resolves with that. An error
 * thrown by `check` (a failed `expect` included) fails at once. After `timeoutMs` it fails naming `what`.
 */
export async function waitUntil<T>(
  check: () => T | Falsy | Promise<T | Falsy>,
  what: string,
  { timeoutMs = WAIT_MS, intervalMs = POLL_MS }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// children

/**
 * Flags of every fixture child: `--unhandled-rejections=strict`, so a library promise rejected unhandled kills the
 * child and tests see it. No V8 flag that changes what a profile shows: users run with default flags, and holmes-node's
 * eager profiler (see the README's attribution section) is what makes late profiles name inlined and on-stack-replaced
 * functions.
 */
export const CHILD_FLAGS = ['--unhandled-rejections=strict'];

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
/** A file of test/fixtures. */
export const fixture = (name: string): string => join(FIXTURES, name);

export interface ChildEvent {
  event: string;
  [key: string]: unknown;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartOptions {
  /** Node flags after CHILD_FLAGS. */
  nodeArgs?: string[];
  /** Added to this process's environment. */
  env?: Record<string, string>;
  /** 'pipe' to drive the child over stdin (`write`). */
  stdin?: 'pipe' | 'ignore';
  cwd?: string;
  /** Node flags before `nodeArgs`; default {@link CHILD_FLAGS}. */
  flags?: readonly string[];
}

/**
 * A Node child process running a fixture. Each stdout line is an event (JSON; a line that is not JSON becomes
 * `{ event: 'stdout', line }`). Killed at teardown if still running.
 */
export class Child {
  readonly events: ChildEvent[] = [];
  stderr = '';
  readonly exited: Promise<Exit>;
  private readonly waiters = new Set<() => void>();
  private buffer = '';
  /** Exited and its output read to the end. */
  private closed = false;

  constructor(
    readonly proc: ChildProcess,
    readonly label: string,
  ) {
    proc.stdout!.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString();
      let newline;
      while ((newline = this.buffer.indexOf('\n')) >= 0) {
        this.push(this.buffer.slice(0, newline));
        this.buffer = this.buffer.slice(newline + 1);
      }
      this.wake();
    });
    proc.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => {
      proc.on('error', (error) => {
        this.stderr += `spawn failed: ${error.message}\n`;
        this.closed = true;
        this.wake();
        resolve({ code: null, signal: null });
      });
      proc.on('close', (code, signal) => {
        if (this.buffer) this.push(this.buffer);
        this.buffer = '';
        this.closed = true;
        this.wake();
        resolve({ code, signal });
      });
    });
    defer(() => this.stop());
  }

  private push(line: string): void {
    if (!line) return;
    try {
      this.events.push(JSON.parse(line) as ChildEvent);
    } catch {
      this.events.push({ event: 'stdout', line });
    }
  }

  private wake(): void {
    for (const wake of this.waiters) wake();
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** Still running (not exited, not killed by a signal). */
  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** What it said lately, for failure messages. */
  describe(): string {
    return `${this.label}: last events ${JSON.stringify(this.events.slice(-15))}\nstderr: ${this.stderr}`;
  }

  /** Resolves with the first event (from index `from`) that matches; fails if the child exits first or after `timeoutMs`. */
  waitFor(match: (event: ChildEvent) => boolean, from = 0, timeoutMs = WAIT_MS): Promise<ChildEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.events.slice(from).find(match);
        if (found) {
          finish();
          resolve(found);
        } else if (this.closed) {
          finish();
          reject(new Error(`exited before the awaited event; ${this.describe()}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no matching event within ${timeoutMs} ms; ${this.describe()}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Waits for the child to exit by itself; after `timeoutMs` it is killed and this fails with what it said. */
  async exit(timeoutMs = EXIT_MS): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.proc.kill('SIGKILL');
        reject(new Error(`did not exit within ${timeoutMs} ms; ${this.describe()}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, hung]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Writes one line on its stdin (started with `stdin: 'pipe'`). */
  write(line: string): void {
    this.proc.stdin!.write(`${line}\n`);
  }

  kill(signal: NodeJS.Signals): void {
    this.proc.kill(signal);
  }

  /** Kills it if it still runs and waits (bounded) until it is gone. */
  async stop(): Promise<void> {
    if (this.running) this.proc.kill('SIGKILL');
    await this.exit(10_000);
  }

  count(event: string, kind?: string): number {
    return this.events.filter((e) => e.event === event && (kind === undefined || e.kind === kind)).length;
  }
}

/** Starts `node flags ...nodeArgs script ...args` (flags: CHILD_FLAGS); the child is killed at teardown if still running. */
export function startChild(
  script: string,
  args: string[] = [],
  { nodeArgs = [], env = {}, stdin = 'ignore', cwd, flags = CHILD_FLAGS }: StartOptions = {},
): Child {
  const child = spawn(process.execPath, [...flags, ...nodeArgs, script, ...args], {
    env: { ...process.env, ...env },
    stdio: [stdin, 'pipe', 'pipe'],
    cwd,
  });
  return new Child(child, `${basename(script)} ${args[0] ?? ''}`.trim());
}

export interface ChildResult extends Exit {
  events: ChildEvent[];
  stderr: string;
}

/**
 * Runs a scenario of fixtures/scenario.mjs in a real child Node process and waits (bounded) for it to exit by itself.
 */
export async function runScenario(
  scenario: string,
  options: object,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
  timeoutMs = EXIT_MS,
): Promise<ChildResult> {
  const child = startChild(fixture('scenario.mjs'), [scenario, JSON.stringify(options)], { env, nodeArgs });
  const { code, signal } = await child.exit(timeoutMs);
  return { code, signal, events: child.events, stderr: child.stderr };
}

/** A real service in a child process, with holmes-node watching it, driven over stdin (see fixtures/host.mjs). */
export class Host extends Child {
  port = 0;

  /** Starts the host with these holmes options; resolves once it serves. */
  static async start(options: object, { nodeArgs = [], env = {} }: Pick<StartOptions, 'nodeArgs' | 'env'> = {}): Promise<Host> {
    const proc = spawn(process.execPath, [...CHILD_FLAGS, ...nodeArgs, fixture('host.mjs'), JSON.stringify(options)], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const host = new Host(proc, 'host.mjs');
    const ready = await host.waitFor((e) => e.event === 'ready');
    host.port = ready.port as number;
    return host;
  }

  /** Sends a command and waits for its acknowledgement. */
  async send(command: string): Promise<void> {
    const from = this.events.length;
    const name = command.split(' ')[0];
    this.write(command);
    const ack = await this.waitFor((e) => (e.event === 'ack' || e.event === 'command-failed') && e.command === name, from);
    if (ack.event === 'command-failed') throw new Error(`host command ${command} failed: ${String(ack.message)}`);
  }

  /** holmes.readings() in the host, over HTTP. */
  async readings(): Promise<Record<string, { value: number | null; average: number | null; count: number; samples: number }>> {
    return JSON.parse(await this.get('/readings'));
  }

  /** GET /ping on the host: proves it still serves. */
  ping(): Promise<string> {
    return this.get('/ping');
  }

  private get(path: string): Promise<string> {
    return new Promise((resolve, reject) => {
      // a fresh connection each time: a keep-alive socket that the host's server closes late, after a stall (a heap
      // snapshot), resets a request sent on it meanwhile (ECONNRESET)
      const req = request({ host: '127.0.0.1', port: this.port, path, timeout: WAIT_MS, agent: false }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve(body));
      });
      req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer within ${WAIT_MS} ms; ${this.describe()}`)));
      req.on('error', reject).end();
    });
  }

  /** Asks the host to stop holmes and end; resolves with how the process exited (it must exit by itself, bounded). */
  override async exit(timeoutMs = EXIT_MS): Promise<Exit> {
    if (this.running) this.write('exit');
    return super.exit(timeoutMs);
  }

  override async stop(): Promise<void> {
    if (this.running) this.proc.kill('SIGKILL');
    await super.exit(10_000);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// synchronous runs (the child cannot outlive the call: it is killed at the bound)

export interface SyncResult extends Exit {
  stdout: string;
  stderr: string;
}

export interface SyncOptions {
  cwd?: string;
  env?: Record<string, string>;
  input?: string;
  timeoutMs?: number;
}

/** Runs a command to its end, killed after `timeoutMs`; a spawn failure or a timeout throws. */
export function runSync(command: string, args: string[], { cwd, env = {}, input, timeoutMs = EXIT_MS * 2 }: SyncOptions = {}): SyncResult {
  const result = spawnSync(command, args, {
    cwd,
    input,
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, ...env },
  });
  if (result.error) {
    const timedOut = (result.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
    throw new Error(
      `${command} ${args.join(' ').slice(0, 200)}: ${timedOut ? `did not end within ${timeoutMs} ms` : result.error.message}\nstderr: ${result.stderr ?? ''}`,
    );
  }
  return { code: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/** `runSync` of this Node binary (no CHILD_FLAGS: for tools and one-off scripts). */
export function runNodeSync(args: string[], options: SyncOptions = {}): SyncResult {
  return runSync(process.execPath, args, options);
}

/** Like `runSync`, but a non-zero exit throws with stderr; returns stdout. */
export function runOk(command: string, args: string[], options: SyncOptions = {}): string {
  const result = runSync(command, args, options);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ').slice(0, 200)} exited ${result.code ?? result.signal}: ${result.stderr}`);
  return result.stdout;
}
