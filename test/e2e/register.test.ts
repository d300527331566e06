import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fixture, freshDir, startChild, tempDir } from '../helpers/child.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** A project whose node_modules holds this package (a link to the built repository), as after `npm install`. */
function project(): string {
  const dir = tempDir('holmes-register-');
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules', 'holmes-node'), 'dir');
  return dir;
}

/** Everything a spike needs to fire fast, from the environment only. */
function spikeEnv(dumpDir: string): Record<string, string> {
  return {
    HOLMES_DUMP_DIR: dumpDir,
    HOLMES_INTERVAL: '100',
    HOLMES_WINDOW: '3',
    HOLMES_CPU_MIN: '0',
    HOLMES_CPU_ABS: '40',
    HOLMES_CPU_DIFF: '100000',
    HOLMES_CPU_PROFILE_DURATION: '300',
    HOLMES_MEMORY_ENABLED: 'false',
    HOLMES_HANDLES_ENABLED: 'false',
    HOLMES_EVENT_LOOP_ENABLED: 'false',
    HOLMES_HEAP_ENABLED: 'false',
    HOLMES_GC_ENABLED: 'false',
    HOLMES_LOG: 'info',
    APP_WATCH_DIR: dumpDir,
  };
}

async function run(app: string, nodeArgs: string[], env: Record<string, string>, args: string[] = []) {
  const cwd = project();
  const child = startChild(fixture(`plain/${app}`), args, { nodeArgs, env, cwd });
  const exit = await child.exit();
  return { exit, child };
}

function cpuDumps(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.startsWith('cpu-') && name.endsWith('.cpuprofile'));
}

describe('zero-code start (holmes-node/register)', () => {
  const cases: Array<[string, string, string[], Record<string, string>]> = [
    ['--import, ESM app', 'app.mjs', ['--import', 'holmes-node/register'], {}],
    ['--require, CommonJS app', 'app.cjs', ['--require', 'holmes-node/register'], {}],
    ['NODE_OPTIONS=--import', 'app.mjs', [], { NODE_OPTIONS: '--import holmes-node/register' }],
    ['NODE_OPTIONS=--require', 'app.cjs', [], { NODE_OPTIONS: '--require holmes-node/register' }],
  ];
  for (const [name, app, nodeArgs, extra] of cases) {
    it(`${name}: an unmodified app that spikes gets a CPU profile and ends by itself`, async () => {
      const dumpDir = freshDir();
      const { exit, child } = await run(app, nodeArgs, { ...spikeEnv(dumpDir), ...extra });
      expect(exit, child.describe()).toEqual({ code: 0, signal: null });
      expect(child.events.at(-1), child.describe()).toEqual({ event: 'done', dumped: true });
      const [profile] = cpuDumps(dumpDir);
      expect(profile, child.describe()).toBeDefined();
      const meta = JSON.parse(readFileSync(join(dumpDir, profile!.replace('.cpuprofile', '.meta.json')), 'utf8'));
      expect(meta.reason).toMatchObject({ rule: 'cpu', trigger: 'abs', thresholds: { min: 0, abs: 40 } });
      expect(meta.interval).toBe(100);
      expect(child.stderr).toMatch(/holmes-node: watching every 100 ms/);
    });
  }

  it('starts once with both --import and --require, and not again in a worker thread', async () => {
    const dumpDir = freshDir();
    const { exit, child } = await run('app.mjs', ['--import', 'holmes-node/register', '--require', 'holmes-node/register'], spikeEnv(dumpDir), ['with-worker']);
    expect(exit, child.describe()).toEqual({ code: 0, signal: null });
    expect(child.stderr.match(/watching every/g), child.stderr).toHaveLength(1);
    expect(cpuDumps(dumpDir)).not.toHaveLength(0);
  });

  it('takes its configuration from the JSON file HOLMES_CONFIG names, the variables over it', async () => {
    const dumpDir = freshDir();
    const file = join(tempDir(), 'holmes.json');
    writeFileSync(file, JSON.stringify({ interval: 250, cpu: { min: 0, abs: 40, diff: 100000, profileDuration: 300 }, memory: false }));
    const env = { ...spikeEnv(dumpDir), HOLMES_CONFIG: file };
    delete (env as Record<string, string | undefined>).HOLMES_INTERVAL;
    const { exit, child } = await run('app.mjs', ['--import', 'holmes-node/register'], { ...env, HOLMES_CPU_ABS: '45' });
    expect(exit, child.describe()).toEqual({ code: 0, signal: null });
    const [profile] = cpuDumps(dumpDir);
    const meta = JSON.parse(readFileSync(join(dumpDir, profile!.replace('.cpuprofile', '.meta.json')), 'utf8'));
    expect(meta.interval).toBe(250);
    expect(meta.reason.thresholds.abs).toBe(45);
  });

  const invalid: Array<[string, Record<string, string>, RegExp]> = [
    [
      'a value that is not a number',
      { HOLMES_CPU_ABS: 'lots' },
      /^holmes-node: HOLMES_CPU_ABS="lots": must be a decimal number \(option cpu\.abs\); not watching this process$/,
    ],
    [
      'a value out of range',
      { HOLMES_INTERVAL: '1' },
      /^holmes-node: HOLMES_INTERVAL="1": option interval must be an integer from 10 to 3600000 \(ms\) \(got 1\); not watching/,
    ],
    ['a misspelt variable', { HOLMES_CPU_ABSS: '50' }, /^holmes-node: HOLMES_CPU_ABSS: unknown variable/],
    ['a refused signal', { HOLMES_SIGNAL: 'SIGUSR1' }, /^holmes-node: HOLMES_SIGNAL="SIGUSR1": option signal must be false \(off\) or one of SIGUSR2/],
    ['a missing config file', { HOLMES_CONFIG: '/nonexistent/holmes.json' }, /^holmes-node: HOLMES_CONFIG=\/nonexistent\/holmes.json: cannot read the file/],
  ];
  for (const [name, bad, line] of invalid) {
    it(`${name}: one line on stderr naming the variable; the app runs unwatched and ends normally`, async () => {
      const dumpDir = freshDir();
      const { exit, child } = await run('app.cjs', ['--require', 'holmes-node/register'], { ...spikeEnv(dumpDir), APP_WATCH_DIR: '', ...bad });
      expect(exit, child.describe()).toEqual({ code: 0, signal: null });
      const lines = child.stderr.trim().split('\n');
      expect(lines, child.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(line);
      expect(child.events.at(-1)).toEqual({ event: 'done', dumped: false });
    });
  }
});
