import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCENARIO = fileURLToPath(new URL('../fixtures/scenario.mjs', import.meta.url));

/**
 * Flags of every child. `--unhandled-rejections=strict`: a library promise rejected unhandled kills the child, so
 * tests see it. `--no-use-osr --no-turbo-inlining`: the tests look for small named functions in profiles, and on a
 * loaded machine V8 (Node 20) attributes the samples of a function running on-stack-replaced code, or inlined, to
 * its caller (measured here: 0 of 256 samples named the burning function under CPU contention, 272 of 291 without
 * OSR). A real effect of the JIT on every profiler, but not what these tests are about.
 */
export const CHILD_FLAGS = ['--unhandled-rejections=strict', '--no-use-osr', '--no-turbo-inlining'];

export interface ChildEvent {
  event: string;
  [key: string]: unknown;
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  events: ChildEvent[];
  stderr: string;
}

/** A fresh dump directory for one test. */
export function freshDir(prefix = 'holmes-e2e-'): string {
  return join(mkdtempSync(join(tmpdir(), prefix)), 'dumps');
}

/**
 * Runs a scenario in a real child Node process and waits for it to exit by itself.
 * `timeoutMs` is a safety net against a hung child (it is killed and the test fails), not a speed assertion.
 */
export function runScenario(scenario: string, options: object, env: Record<string, string> = {}, nodeArgs: string[] = [], timeoutMs = 60_000): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CHILD_FLAGS, ...nodeArgs, SCENARIO, scenario, JSON.stringify(options)], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child ${scenario} did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const events = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as ChildEvent);
      resolve({ code, signal, events, stderr });
    });
  });
}

/** Files in the dump directory, excluding none: tests check that no temporary file is left. */
export function listDir(dir: string): string[] {
  return readdirSync(dir).sort();
}
