import { describe, it, expect } from 'vitest';
import { isAbsolute, resolve } from 'node:path';
import { HolmesConfigError, HolmesError } from '../../src/errors.js';
import { DEFAULTS, RULE_NAMES, applyUpdate, checkRuleName, defaultDumpDir, resolveOptions, type ResolvedConfig } from '../../src/config/options.js';
import type { Logger } from '../../src/logger.js';
import { configError } from '../helpers/errors.js';
import { mulberry32 } from '../helpers/random.js';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

const logger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

describe('DEFAULTS', () => {
  it('holds the documented defaults', () => {
    expect(DEFAULTS.interval).toBe(5000);
    expect(DEFAULTS.window).toBe(10);
    expect(DEFAULTS.cooldown).toBe(60_000);
    expect(DEFAULTS.cpu).toEqual({ enabled: true, min: 10, diff: 25, abs: 70, profileDuration: 5000, flightRecorder: false });
    expect(DEFAULTS.memory).toMatchObject({ enabled: true, min: 10, diff: 25, abs: 80 });
    expect(DEFAULTS.handles.enabled).toBe(true);
    expect(DEFAULTS.handles.abs).toBeGreaterThanOrEqual(DEFAULTS.handles.min);
  });
});

describe('resolveOptions', () => {
  // every default comes from DEFAULTS (the single source of truth); the documented numbers are pinned above
  const expectedDefaults = (): ResolvedConfig => ({
    ...(DEFAULTS as unknown as ResolvedConfig),
    dumpDir: defaultDumpDir(),
    interval: 5000,
    window: 10,
    cooldown: 60_000,
    limits: {},
    cpu: { enabled: true, min: 10, diff: 25, abs: 70, profileDuration: 5000, flightRecorder: false },
    memory: { ...DEFAULTS.memory, enabled: true, min: 10, diff: 25, abs: 80 },
    handles: { ...DEFAULTS.handles },
    signal: false,
    logger: undefined,
  });

  it('takes an opt-in dump signal, and refuses those Node, the inspector or the kernel own', () => {
    expect(resolveOptions({ signal: 'SIGUSR2' }).signal).toBe('SIGUSR2');
    expect(resolveOptions({ signal: false }).signal).toBe(false);
    expect(() => resolveOptions({ signal: 'SIGUSR1' })).toThrow(
      /option signal must be false \(off\) or one of SIGUSR2, SIGHUP, SIGWINCH \(SIGUSR1 opens Node's inspector\)/,
    );
    for (const signal of ['SIGKILL', 'SIGSTOP', 'SIGTERM', 'SIGINT', 'SIGSEGV', 'usr2', 12, true]) {
      expect(() => resolveOptions({ signal }), String(signal)).toThrow(HolmesConfigError);
    }
    expect(() => applyUpdate(resolveOptions({}), { signal: 'SIGUSR2' })).toThrow(/signal is fixed at construction/);
  });

  it.each([
    ['undefined', undefined],
    ['{}', {}],
    [
      'all undefined',
      {
        interval: undefined,
        window: undefined,
        cpu: undefined,
        memory: undefined,
        handles: undefined,
        limits: undefined,
        dumpDir: undefined,
        logger: undefined,
        cooldown: undefined,
      },
    ],
  ])('fills in DEFAULTS for %s', (_name, input) => {
    expect(resolveOptions(input)).toEqual(expectedDefaults());
  });

  it('returns read-only configurations: nothing reaches DEFAULTS or the next result', () => {
    for (const a of [resolveOptions({}), resolveOptions(undefined)]) {
      expect(() => {
        a.cpu.abs = 1;
      }).toThrow(TypeError);
      expect(() => {
        a.limits.cpuCores = 2;
      }).toThrow(TypeError);
      expect(() => {
        a.interval = 1;
      }).toThrow(TypeError);
    }
    expect(DEFAULTS.cpu.abs).toBe(70);
    expect(DEFAULTS.memory.min).toBe(10);
    expect(resolveOptions({})).toEqual(expectedDefaults());
  });

  it('keeps the other defaults of a partial rule object', () => {
    const config = resolveOptions({ cpu: { abs: 90 }, memory: { diff: 40, cooldown: 1000 }, handles: { trackStacks: true } });
    expect(config.cpu).toEqual({ ...DEFAULTS.cpu, abs: 90 });
    expect(config.memory).toEqual({ ...DEFAULTS.memory, diff: 40, cooldown: 1000 });
    expect(config.handles).toEqual({ ...DEFAULTS.handles, trackStacks: true });
    expect(config.interval).toBe(5000);
  });

  it('skips undefined keys inside a rule object', () => {
    expect(resolveOptions({ cpu: { abs: undefined, enabled: undefined } }).cpu).toEqual({ ...DEFAULTS.cpu });
  });

  it.each(RULE_NAMES)('%s: false disables the rule and keeps its thresholds', (rule) => {
    const config = resolveOptions({ [rule]: false });
    expect(config[rule]).toEqual({ ...DEFAULTS[rule], enabled: false });
    for (const other of RULE_NAMES.filter((r) => r !== rule)) expect(config[other].enabled).toBe(true);
  });

  it('accepts valid values at the edges of their ranges', () => {
    const config = resolveOptions({
      interval: 10,
      window: 1000,
      cooldown: 0,
      cpu: { min: 0, diff: 0, abs: 0, profileDuration: 10 },
      memory: { min: 5, abs: 5, diff: 1e9 },
      handles: { max: 0, trackStacks: false, enabled: false },
      limits: { cpuCores: 0.001, memoryBytes: 1 << 20 },
      logger,
    });
    expect(config.interval).toBe(10);
    expect(config.window).toBe(1000);
    expect(config.cooldown).toBe(0);
    expect(config.cpu).toEqual({ enabled: true, min: 0, diff: 0, abs: 0, profileDuration: 10, flightRecorder: false });
    expect(config.memory).toEqual({ ...DEFAULTS.memory, enabled: true, min: 5, abs: 5, diff: 1e9 });
    expect(config.handles).toEqual({ ...DEFAULTS.handles, max: 0, trackStacks: false, enabled: false });
    expect(config.limits).toEqual({ cpuCores: 0.001, memoryBytes: 1 << 20 });
    expect(config.logger).toBe(logger);
    expect(resolveOptions({ interval: 3_600_000 }).interval).toBe(3_600_000);
    expect(resolveOptions({ window: 1 }).window).toBe(1);
  });

  it('resolves a relative dumpDir to an absolute path', () => {
    const config = resolveOptions({ dumpDir: 'some/dumps' });
    expect(isAbsolute(config.dumpDir)).toBe(true);
    expect(config.dumpDir).toBe(resolve('some/dumps'));
  });

  const INTERVAL = /an integer from 10 to 3600000/;
  const WINDOW = /an integer from 1 to 1000/;
  const COOLDOWN = /from 0 to 604800000/;
  const THRESHOLD = /from 0 to 1000000000/;
  const OBJECT = /must be an object/;
  interface BadCase {
    name: string;
    input: unknown;
    option: string;
    range: RegExp;
  }
  const bad: BadCase[] = [
    { name: 'interval 9', input: { interval: 9 }, option: 'interval', range: INTERVAL },
    { name: 'interval 0', input: { interval: 0 }, option: 'interval', range: INTERVAL },
    { name: 'interval -1', input: { interval: -1 }, option: 'interval', range: INTERVAL },
    { name: 'interval NaN', input: { interval: Number.NaN }, option: 'interval', range: INTERVAL },
    { name: 'interval Infinity', input: { interval: Infinity }, option: 'interval', range: INTERVAL },
    { name: "interval '5000'", input: { interval: '5000' }, option: 'interval', range: INTERVAL },
    { name: 'interval 1.5', input: { interval: 1.5 }, option: 'interval', range: INTERVAL },
    { name: 'interval 3600001', input: { interval: 3_600_001 }, option: 'interval', range: INTERVAL },
    { name: 'interval null', input: { interval: null }, option: 'interval', range: INTERVAL },
    { name: 'window 0', input: { window: 0 }, option: 'window', range: WINDOW },
    { name: 'window 1001', input: { window: 1001 }, option: 'window', range: WINDOW },
    { name: 'window 2.5', input: { window: 2.5 }, option: 'window', range: WINDOW },
    { name: 'cooldown -1', input: { cooldown: -1 }, option: 'cooldown', range: COOLDOWN },
    { name: 'cooldown Infinity', input: { cooldown: Infinity }, option: 'cooldown', range: COOLDOWN },
    { name: 'cpu.diff -1', input: { cpu: { diff: -1 } }, option: 'cpu.diff', range: THRESHOLD },
    { name: 'cpu.min NaN', input: { cpu: { min: Number.NaN } }, option: 'cpu.min', range: THRESHOLD },
    { name: 'memory.abs 2e9', input: { memory: { abs: 2e9 } }, option: 'memory.abs', range: THRESHOLD },
    { name: 'cpu.cooldown -5', input: { cpu: { cooldown: -5 } }, option: 'cpu.cooldown', range: COOLDOWN },
    { name: 'cpu.abs < cpu.min (given abs)', input: { cpu: { abs: 5 } }, option: 'cpu.abs', range: /must be >= cpu\.min \(10\)/ },
    { name: 'cpu.abs < cpu.min (given min)', input: { cpu: { min: 80 } }, option: 'cpu.abs', range: /must be >= cpu\.min \(80\)/ },
    { name: 'memory.abs < memory.min', input: { memory: { min: 50, abs: 40 } }, option: 'memory.abs', range: /must be >= memory\.min \(50\)/ },
    { name: 'cpu.enabled 1', input: { cpu: { enabled: 1 } }, option: 'cpu.enabled', range: /true or false/ },
    { name: 'cpu.profileDuration 5', input: { cpu: { profileDuration: 5 } }, option: 'cpu.profileDuration', range: /an integer from 10 to 600000/ },
    {
      name: 'memory.samplingInterval 512',
      input: { memory: { samplingInterval: 512 } },
      option: 'memory.samplingInterval',
      range: /an integer from 1024 to 1073741824 \(bytes\)/,
    },
    {
      name: 'memory.profileDuration (gone: the heap profile is read at once)',
      input: { memory: { profileDuration: 5000 } },
      option: 'memory.profileDuration',
      range: /is unknown/,
    },
    { name: 'handles.max -1', input: { handles: { max: -1 } }, option: 'handles.max', range: /an integer from 0 to 1000000000/ },
    { name: 'handles.max 1.5', input: { handles: { max: 1.5 } }, option: 'handles.max', range: /an integer from 0 to 1000000000/ },
    { name: "handles.trackStacks 'yes'", input: { handles: { trackStacks: 'yes' } }, option: 'handles.trackStacks', range: /true or false/ },
    { name: 'limits.cpuCores 0', input: { limits: { cpuCores: 0 } }, option: 'limits.cpuCores', range: /from 0\.001 to 4096/ },
    {
      name: 'limits.memoryBytes 100',
      input: { limits: { memoryBytes: 100 } },
      option: 'limits.memoryBytes',
      range: /an integer from 1048576 to 9007199254740991/,
    },
    { name: 'limits 5', input: { limits: 5 }, option: 'limits', range: OBJECT },
    { name: 'limits.cores (unknown)', input: { limits: { cores: 2 } }, option: 'limits.cores', range: /is unknown; allowed: cpuCores, memoryBytes/ },
    { name: "dumpDir ''", input: { dumpDir: '' }, option: 'dumpDir', range: /non-empty path string/ },
    { name: "dumpDir '   '", input: { dumpDir: '   ' }, option: 'dumpDir', range: /non-empty path string/ },
    { name: 'dumpDir with NUL', input: { dumpDir: '/tmp/a\0b' }, option: 'dumpDir', range: /non-empty path string/ },
    { name: 'dumpDir 42', input: { dumpDir: 42 }, option: 'dumpDir', range: /non-empty path string/ },
    { name: 'logger {}', input: { logger: {} }, option: 'logger', range: /info, warn and error functions/ },
    { name: 'logger without error()', input: { logger: { info() {}, warn() {} } }, option: 'logger', range: /info, warn and error functions/ },
    { name: 'logger null', input: { logger: null }, option: 'logger', range: /info, warn and error functions/ },
    {
      name: "unknown top-level 'intervall'",
      input: { intervall: 5000 },
      option: 'intervall',
      range:
        /is unknown; allowed: (?=.*\bdumpDir\b)(?=.*\binterval\b)(?=.*\bwindow\b)(?=.*\bcooldown\b)(?=.*\blimits\b)(?=.*\bcpu\b)(?=.*\bmemory\b)(?=.*\bhandles\b)(?=.*\blogger\b)/,
    },
    {
      name: "unknown rule key 'cpu.difff'",
      input: { cpu: { difff: 1 } },
      option: 'cpu.difff',
      range: /is unknown; allowed: enabled, min, diff, abs, cooldown, profileDuration/,
    },
    { name: 'memory.max (handles only)', input: { memory: { max: 1000 } }, option: 'memory.max', range: /is unknown/ },
    { name: 'cpu.trackStacks (handles only)', input: { cpu: { trackStacks: true } }, option: 'cpu.trackStacks', range: /is unknown/ },
    { name: 'cpu null', input: { cpu: null }, option: 'cpu', range: OBJECT },
    { name: 'cpu true', input: { cpu: true }, option: 'cpu', range: OBJECT },
    { name: 'handles []', input: { handles: [] }, option: 'handles', range: OBJECT },
    { name: 'options null', input: null, option: 'options', range: OBJECT },
    { name: 'options 5', input: 5, option: 'options', range: OBJECT },
    { name: 'options []', input: [], option: 'options', range: OBJECT },
    { name: "options 'x'", input: 'x', option: 'options', range: OBJECT },
  ];

  it.each(bad)('rejects $name with option $option', ({ input, option, range }) => {
    const error = configError(() => resolveOptions(input));
    expect(error).toBeInstanceOf(HolmesError);
    expect(error.name).toBe('HolmesConfigError');
    expect(error.code).toBe('HOLMES_CONFIG');
    expect(error.option).toBe(option);
    expect(error.message).toContain(`option ${option} `);
    expect(error.message).toMatch(range);
  });
});

describe('applyUpdate', () => {
  const base = (): ResolvedConfig => resolveOptions({ dumpDir: '/tmp/holmes-options-test', interval: 1000, cpu: { abs: 60 } });

  it('never mutates the current config nor the update', () => {
    const current = base();
    const snapshot = structuredClone(current);
    const update = { interval: 2000, cpu: { abs: 90 }, memory: false as const, limits: { cpuCores: 2 } };
    const updateSnapshot = structuredClone(update);
    deepFreeze(current);
    deepFreeze(update);
    const next = applyUpdate(current, update);
    expect(current).toEqual(snapshot);
    expect(update).toEqual(updateSnapshot);
    expect(next).not.toBe(current);
    expect(next.interval).toBe(2000);
    expect(next.cpu).toEqual({ ...snapshot.cpu, abs: 90 });
    expect(next.memory).toEqual({ ...snapshot.memory, enabled: false });
    expect(next.limits).toEqual({ cpuCores: 2 });
    expect(next.window).toBe(snapshot.window);
    expect(next.dumpDir).toBe(snapshot.dumpDir);
    // the result is read-only all the way down: it changes only through set(), which validates
    expect(Object.isFrozen(next) && Object.isFrozen(next.cpu) && Object.isFrozen(next.limits)).toBe(true);
    expect(() => {
      next.cpu.min = 1;
    }).toThrow(TypeError);
    expect(current).toEqual(snapshot);
  });

  it('merges onto the current config, not onto DEFAULTS', () => {
    const current = applyUpdate(base(), { cpu: { min: 20, diff: 50 } });
    expect(current.cpu).toEqual({ ...DEFAULTS.cpu, abs: 60, min: 20, diff: 50 });
    const next = applyUpdate(current, { cpu: { diff: 10 } });
    expect(next.cpu).toEqual({ ...DEFAULTS.cpu, abs: 60, min: 20, diff: 10 });
    expect(next.interval).toBe(1000);
  });

  it('checks abs >= min against the current values', () => {
    const error = configError(() => applyUpdate(base(), { cpu: { min: 65 } }));
    expect(error.option).toBe('cpu.abs');
    expect(error.message).toMatch(/cpu\.min \(65\)/);
  });

  it.each([
    ['dumpDir', { dumpDir: '/elsewhere' }],
    ['window', { window: 5 }],
    ['logger', { logger }],
  ])('rejects %s (not updatable)', (option, update) => {
    const current = deepFreeze(base());
    const error = configError(() => applyUpdate(current, update));
    expect(error.option).toBe(option);
    expect(error.code).toBe('HOLMES_CONFIG');
    expect(error.message).toContain(`option ${option} `);
    // names what set() does accept
    expect(error.message).toMatch(/allowed: interval, cooldown, limits, cpu, memory, handles\b/);
  });

  it.each([
    ['interval', { interval: 1 }],
    ['cpu.diff', { cpu: { diff: -1 } }],
    ['limits.cpuCores', { limits: { cpuCores: -2 } }],
    ['options', null],
    ['options', undefined],
  ])('rejects a bad %s', (option, update) => {
    const current = deepFreeze(base());
    expect(configError(() => applyUpdate(current, update)).option).toBe(option);
  });
});

describe('checkRuleName', () => {
  it.each(['cpu', 'memory', 'handles'])('accepts %s', (name) => {
    expect(checkRuleName(name)).toBe(name);
  });

  it.each([['CPU'], ['rss'], [''], [undefined], [null], [1], [{}], [Symbol('cpu')]])('rejects %s', (name) => {
    const error = configError(() => checkRuleName(name));
    expect(error.option).toBe('rule');
    expect(error.code).toBe('HOLMES_CONFIG');
    expect(error.message).toMatch(/must be one of cpu, memory, handles/);
  });
});

describe('generated malformed configs', () => {
  const TOP_KEYS = [
    'dumpDir',
    'interval',
    'window',
    'cooldown',
    'limits',
    'cpu',
    'memory',
    'handles',
    'logger',
    'maxDumps',
    'maxDumpBytes',
    'maxDumpsPerHour',
    'cpuMax',
  ];
  const RULE_KEYS = ['enabled', 'min', 'diff', 'abs', 'cooldown', 'profileDuration', 'max', 'trackStacks', 'maxSnapshotHeap', 'samplingInterval'];
  const LIMIT_KEYS = ['cpuCores', 'memoryBytes'];
  const JUNK_KEYS = ['intervall', 'x', '', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '0', 'cpu.diff', 'CPU'];

  function generator(seed: number) {
    const rand = mulberry32(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;

    const value = (depth: number): unknown => {
      switch (Math.floor(rand() * 24)) {
        case 0:
          return Number.NaN;
        case 1:
          return -Infinity;
        case 2:
          return Infinity;
        case 3:
          return 1e308;
        case 4:
          return -1e308;
        case 5:
          return Math.floor(rand() * 20_000) - 1000;
        case 6:
          return rand() * 100;
        case 7:
          return -0;
        case 8:
          return Number.MAX_SAFE_INTEGER + 2;
        case 9:
          return pick(['', ' ', '5000', 'abc', '\0', '/tmp/x', 'x'.repeat(500), '💥']);
        case 10:
          return rand() < 0.5;
        case 11:
          return null;
        case 12:
          return undefined;
        case 13:
          return Symbol('s');
        case 14:
          return BigInt(Math.floor(rand() * 100));
        case 15:
          return () => 1;
        case 16:
          return depth > 2 ? [] : [value(depth + 1), value(depth + 1)];
        case 17:
          return new Date(0);
        case 18:
          return depth > 2 ? {} : object(depth + 1, [...RULE_KEYS, ...LIMIT_KEYS, ...JUNK_KEYS]);
        case 19:
          return Object.create(null) as object;
        case 20:
          return { info: () => {}, warn: () => {}, error: pick([() => {}, 1, undefined]) };
        case 21:
          return false;
        case 22:
          return pick([10, 100, 1000, 5000, 0, 1, 70, 80, 1 << 20, 0.5]);
        default:
          return new Map();
      }
    };

    const object = (depth: number, keys: readonly string[]): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      const n = Math.floor(rand() * 4);
      for (let i = 0; i < n; i++) {
        const key = rand() < 0.85 ? pick(keys) : pick(JUNK_KEYS);
        Object.defineProperty(out, key, { value: value(depth), enumerable: true, configurable: true, writable: true });
      }
      if (rand() < 0.05) (out as Record<symbol, unknown>)[Symbol('k')] = 1;
      return out;
    };

    return (): unknown => {
      const r = rand();
      if (r < 0.05) return value(0);
      const config = object(1, TOP_KEYS);
      for (const key of ['cpu', 'memory', 'handles'] as const) {
        if (rand() < 0.3) config[key] = object(2, RULE_KEYS);
      }
      if (rand() < 0.2) config.limits = object(2, LIMIT_KEYS);
      return config;
    };
  }

  function checkOutcome(configInput: unknown, run: () => ResolvedConfig): 'ok' | 'rejected' {
    let config: ResolvedConfig;
    try {
      config = run();
    } catch (error) {
      expect(error, String(error)).toBeInstanceOf(HolmesConfigError);
      const e = error as HolmesConfigError;
      expect(e.code).toBe('HOLMES_CONFIG');
      expect(typeof e.option).toBe('string');
      // the dotted path of the offending key: 'options' itself, or one starting with a key the input holds
      const input = configInput as Record<string, unknown>;
      expect(e.option === 'options' || Object.keys(input).some((k) => e.option === k || e.option.startsWith(`${k}.`))).toBe(true);
      expect(e.message.startsWith(`holmes-node: option ${e.option} `)).toBe(true);
      return 'rejected';
    }
    // anything accepted is a valid configuration
    expect(Number.isInteger(config.interval) && config.interval >= 10 && config.interval <= 3_600_000).toBe(true);
    expect(Number.isInteger(config.window) && config.window >= 1 && config.window <= 1000).toBe(true);
    expect(Number.isFinite(config.cooldown) && config.cooldown >= 0).toBe(true);
    expect(typeof config.dumpDir === 'string' && isAbsolute(config.dumpDir)).toBe(true);
    for (const rule of RULE_NAMES) {
      const r = config[rule];
      expect(typeof r.enabled).toBe('boolean');
      for (const k of ['min', 'diff', 'abs'] as const) expect(Number.isFinite(r[k]) && r[k] >= 0).toBe(true);
      expect(r.abs).toBeGreaterThanOrEqual(r.min);
    }
    expect(Number.isInteger(config.cpu.profileDuration)).toBe(true);
    expect(typeof config.handles.trackStacks).toBe('boolean');
    return 'ok';
  }

  it('600 random configs either resolve to a valid config or throw HolmesConfigError', () => {
    const next = generator(20_261_125);
    const outcomes = { ok: 0, rejected: 0 };
    for (let i = 0; i < 600; i++) {
      const input = next();
      outcomes[checkOutcome(input, () => resolveOptions(input))]++;
    }
    expect(outcomes.ok + outcomes.rejected).toBe(600);
    expect(outcomes.rejected).toBeGreaterThan(0);
    expect(outcomes.ok).toBeGreaterThan(0);
  });

  it('600 random updates either apply or throw HolmesConfigError, and never mutate the current config', () => {
    const next = generator(424_242);
    const current = resolveOptions({ dumpDir: '/tmp/holmes-fuzz' });
    const snapshot = structuredClone(current);
    deepFreeze(current);
    const outcomes = { ok: 0, rejected: 0 };
    for (let i = 0; i < 600; i++) {
      const input = next();
      outcomes[checkOutcome(input, () => applyUpdate(current, input))]++;
    }
    expect(current).toEqual(snapshot);
    expect(outcomes.rejected).toBeGreaterThan(0);
    expect(outcomes.ok).toBeGreaterThan(0);
  });
});

describe('options are read once, as given', () => {
  it('a getter is read once: it cannot pass the check and then return something else', () => {
    let reads = 0;
    const options = {
      get profileFormat() {
        reads++;
        return reads === 1 ? 'pprof' : Number.NaN;
      },
    };
    const config = resolveOptions(options);
    expect(reads).toBe(1);
    expect(config.profileFormat).toBe('pprof');
  });

  it('a getter or Proxy that throws becomes a HolmesConfigError naming the option', () => {
    const getter = configError(() =>
      resolveOptions({
        get interval() {
          throw new Error('boom');
        },
      }),
    );
    expect(getter.option).toBe('interval');
    expect(getter.message).toMatch(/could not be read: Error: boom/);
    const proxy = configError(() =>
      resolveOptions(
        new Proxy(
          {},
          {
            ownKeys() {
              throw new Error('trap');
            },
          },
        ),
      ),
    );
    expect(proxy.option).toBe('options');
    const nested = configError(() =>
      resolveOptions({
        cpu: new Proxy(
          { abs: 80 },
          {
            get: () => {
              throw new Error('trap');
            },
          },
        ),
      }),
    );
    expect(nested.option).toBe('cpu.abs');
  });

  it('a polluted Object.prototype does not redirect dumps', () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.dumpDir = '/tmp/attacker';
    try {
      expect(resolveOptions({}).dumpDir).toBe(defaultDumpDir());
      expect(resolveOptions({ interval: 1000 }).dumpDir).toBe(defaultDumpDir());
    } finally {
      delete proto.dumpDir;
    }
  });
});
