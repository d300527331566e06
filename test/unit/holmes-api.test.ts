import { describe, it, expect, vi, beforeEach, afterEach } from 'vitest';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Holmes } from '../../src/holmes.js';
import { HolmesConfigError, HolmesDumpDirError, type HolmesError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import type { RuleName } from '../../src/config/options.js';
import { RULE_NAMES } from '../../src/rules/registry.js';
import { tempDir } from '../helpers/child.js';
import { configError } from '../helpers/errors.js';

let root: string;
let instances: Holmes[] = [];

beforeEach(() => {
  root = tempDir('holmes-api-');
  instances = [];
});
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(instances.map((h) => h.stop()));
});

function make(options: ConstructorParameters<typeof Holmes>[0] = {}): Holmes {
  // a long interval and a huge window: no rule can fire in these tests
  const holmes = new Holmes({ interval: 3_600_000, window: 1000, dumpDir: join(root, 'dumps'), ...options });
  instances.push(holmes);
  return holmes;
}

/** A dump directory that cannot be created: its parent is a regular file. */
function unusableDir(): string {
  const file = join(root, 'not-a-dir');
  writeFileSync(file, 'x');
  return join(file, 'dumps');
}

function recordingLogger() {
  const lines: Array<[keyof Logger, string]> = [];
  const logger: Logger = {
    info: (m) => lines.push(['info', m]),
    warn: (m) => lines.push(['warn', m]),
    error: (m) => lines.push(['error', m]),
  };
  return { lines, logger };
}

describe('Holmes lifecycle', () => {
  it('start() twice samples on one timer only', async () => {
    vi.useFakeTimers();
    const holmes = make({ interval: 100 });
    expect(holmes.start()).toBe(holmes);
    expect(holmes.start()).toBe(holmes);
    vi.advanceTimersByTime(1000);
    const readings = holmes.readings();
    expect(readings.cpu.count).toBe(10);
    expect(readings.memory.count).toBe(10);
    expect(readings.handles.count).toBe(10);
    expect(readings.memory.value).toBeGreaterThan(0);
    expect(readings.handles.value).toBeGreaterThan(0);
    await expect(holmes.stop()).resolves.toBeUndefined();
    vi.advanceTimersByTime(1000);
    expect(holmes.readings().cpu.count).toBe(10);
  });

  it('has no readings and no limits before start(); start() creates the dump directory 0700', async () => {
    const holmes = make();
    const empty = { value: null, average: null, count: 0, samples: 0 };
    expect(holmes.readings()).toEqual(Object.fromEntries(RULE_NAMES.map((name) => [name, empty])));
    expect(Object.keys(holmes.readings())).toEqual(expect.arrayContaining(['cpu', 'memory', 'handles', 'eventLoop', 'heap', 'gc']));
    expect(holmes.limits).toBeUndefined();
    expect(holmes.dumpDir).toBe(join(root, 'dumps'));
    holmes.start();
    expect(holmes.limits).toBeDefined();
    expect(holmes.limits!.memoryBytes).toBeGreaterThan(0);
    await holmes.stop();
    expect(statSync(holmes.dumpDir).mode & 0o777).toBe(0o700);
  });

  it('stop() before start() and stop() twice resolve', async () => {
    const holmes = make();
    await expect(holmes.stop()).resolves.toBeUndefined();
    holmes.start();
    await expect(holmes.stop()).resolves.toBeUndefined();
    await expect(holmes.stop()).resolves.toBeUndefined();
  });

  it('can start again after stop(), with fresh readings', async () => {
    vi.useFakeTimers();
    const holmes = make({ interval: 100 });
    holmes.start();
    vi.advanceTimersByTime(500);
    await holmes.stop();
    holmes.start();
    vi.advanceTimersByTime(300);
    expect(holmes.readings().cpu.count).toBe(3);
    await holmes.stop();
  });

  it('throws HolmesConfigError from the constructor on invalid options', () => {
    expect(configError(() => new Holmes({ interval: 5, dumpDir: join(root, 'dumps') })).option).toBe('interval');
  });
});

describe('Holmes.enable / disable', () => {
  it.each<RuleName>(['cpu', 'memory', 'handles'])('toggles %s and returns the instance', (rule) => {
    const holmes = make();
    expect(holmes.disable(rule)).toBe(holmes);
    expect(holmes.config[rule].enabled).toBe(false);
    expect(holmes.enable(rule)).toBe(holmes);
    expect(holmes.config[rule].enabled).toBe(true);
  });

  it.each(['gcHeap', 'CPU', '', undefined])('throws HolmesConfigError on unknown rule %s and changes nothing', (name) => {
    const holmes = make();
    const before = structuredClone({ ...holmes.config, logger: undefined });
    for (const call of [() => holmes.enable(name as RuleName), () => holmes.disable(name as RuleName)]) {
      const error = configError(call);
      expect(error.option).toBe('rule');
      expect(error.code).toBe('HOLMES_CONFIG');
    }
    expect({ ...holmes.config, logger: undefined }).toEqual(before);
  });
});

describe('Holmes.set', () => {
  it('changes one threshold and keeps the others', () => {
    const holmes = make({ cpu: { diff: 30 } });
    const before = structuredClone(holmes.config);
    expect(holmes.set({ cpu: { abs: 90 } })).toBe(holmes);
    expect(holmes.config.cpu).toEqual({ ...before.cpu, abs: 90 });
    expect(holmes.config.cpu.diff).toBe(30);
    expect({ ...holmes.config, cpu: before.cpu }).toEqual(before);
  });

  it.each([
    ['interval', { interval: 1 }],
    ['cpu.abs', { cpu: { abs: 1 } }],
    ['memory.difff', { memory: { difff: 1 } }],
    ['dumpDir', { dumpDir: '/elsewhere' }],
    ['window', { window: 3 }],
  ])('rejects an invalid update (%s) and leaves the config untouched', (option, update) => {
    const holmes = make();
    const reference = holmes.config;
    const before = structuredClone(holmes.config);
    expect(configError(() => holmes.set(update as never)).option).toBe(option);
    expect(holmes.config).toBe(reference);
    expect(holmes.config).toEqual(before);
  });

  it('rejects a partly valid update as a whole', () => {
    const holmes = make();
    const before = structuredClone(holmes.config);
    expect(() => holmes.set({ interval: 200, cpu: { abs: 90 }, memory: { diff: -1 } })).toThrow(HolmesConfigError);
    expect(holmes.config).toEqual(before);
  });

  it('set({ interval }) changes the sampling cadence of a running instance', async () => {
    vi.useFakeTimers();
    const holmes = make({ interval: 100 });
    holmes.start();
    vi.advanceTimersByTime(300);
    expect(holmes.readings().cpu.count).toBe(3);
    holmes.set({ interval: 50 });
    expect(holmes.config.interval).toBe(50);
    vi.advanceTimersByTime(300);
    expect(holmes.readings().cpu.count).toBe(9);
    await holmes.stop();
  });
});

describe('Holmes errors', () => {
  it('never throws an unheard error event: a bad dump directory is only logged', async () => {
    const { lines, logger } = recordingLogger();
    const holmes = make({ dumpDir: unusableDir(), logger });
    expect(holmes.listenerCount('error')).toBe(0);
    expect(() => holmes.start()).not.toThrow();
    await expect(holmes.stop()).resolves.toBeUndefined();
    const errors = lines.filter(([level]) => level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]![1]).toMatch(/^holmes-node: .*dump directory .* is not usable/);
  });

  it('emits the error to a listener', async () => {
    const holmes = make({ dumpDir: unusableDir() });
    const received: HolmesError[] = [];
    holmes.on('error', (e) => received.push(e));
    holmes.start();
    await holmes.stop();
    expect(received).toHaveLength(1);
    expect(received[0]).toBeInstanceOf(HolmesDumpDirError);
    expect(received[0]!.code).toBe('HOLMES_DUMP_DIR');
    expect((received[0] as HolmesDumpDirError).dir).toBe(holmes.dumpDir);
    expect(received[0]!.message).toContain(holmes.dumpDir);
  });

  it('survives an error listener that throws', async () => {
    const { lines, logger } = recordingLogger();
    const holmes = make({ dumpDir: unusableDir(), logger });
    const listener = vi.fn(() => {
      throw new Error('listener broke');
    });
    holmes.on('error', listener);
    expect(() => holmes.start()).not.toThrow();
    await expect(holmes.stop()).resolves.toBeUndefined();
    expect(listener).toHaveBeenCalledTimes(1);
    expect(lines.some(([level, m]) => level === 'error' && m.includes('listener broke'))).toBe(true);
  });

  it('a throwing logger breaks nothing', async () => {
    vi.useFakeTimers();
    const thrower = vi.fn(() => {
      throw new Error('logger broke');
    });
    const holmes = make({ interval: 100, dumpDir: unusableDir(), logger: { info: thrower, warn: thrower, error: thrower } });
    const received: HolmesError[] = [];
    holmes.on('error', (e) => received.push(e));
    expect(() => holmes.start()).not.toThrow();
    vi.advanceTimersByTime(500);
    expect(holmes.readings().cpu.count).toBe(5);
    expect(() => holmes.set({ cpu: { abs: 95 } })).not.toThrow();
    await expect(holmes.stop()).resolves.toBeUndefined();
    expect(thrower).toHaveBeenCalled();
    // the setup error was still delivered after the logger threw on it
    expect(received).toHaveLength(1);
    expect(received[0]).toBeInstanceOf(HolmesDumpDirError);
  });
});
