import { describe, it, expect, vi, afterEach } from 'vitest';
import { Sampler, SERIES_NAMES, type Readers, type Reading, type SamplerHooks, type SeriesName } from '../../src/sampler/sampler.js';

type Batch = Partial<Record<SeriesName, Reading>>;

/** Readers that return the given sequences (the last value repeats). */
function sequenceReaders(sequences: Partial<Record<SeriesName, Array<number | (() => number)>>>): Readers {
  const make = (name: SeriesName): (() => number) => {
    const seq = sequences[name] ?? [1];
    let i = 0;
    return () => {
      const item = seq[Math.min(i++, seq.length - 1)]!;
      return typeof item === 'function' ? item() : item;
    };
  };
  // cpu, memory and handles read 1 unless given; every other series reads NaN (nothing to say) unless given values,
  // so a rule added to the table needs no change here
  const given = (name: SeriesName) => (sequences[name]?.length ?? 0) > 0 || ['cpu', 'memory', 'handles'].includes(name);
  return Object.fromEntries(SERIES_NAMES.map((name) => [name, given(name) ? make(name) : () => Number.NaN])) as Readers;
}

function recorder() {
  const batches: Batch[] = [];
  const errors: Array<{ error: unknown; series: SeriesName | 'tick' }> = [];
  const hooks: SamplerHooks = {
    onReadings: (r) => batches.push(r),
    onError: (error, series) => errors.push({ error, series }),
  };
  return { batches, errors, hooks };
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('Sampler', () => {
  it('reads every series once per interval', () => {
    vi.useFakeTimers();
    const { batches, errors, hooks } = recorder();
    const sampler = new Sampler(
      sequenceReaders({ cpu: [5, 6, 7], memory: [50, 51, 52], handles: [100, 101, 102], eventLoop: [], heap: [], gc: [] }),
      10,
      1000,
      hooks,
    );
    sampler.start();
    expect(sampler.running).toBe(true);
    vi.advanceTimersByTime(999);
    expect(batches).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(batches).toHaveLength(1);
    vi.advanceTimersByTime(2000);
    expect(batches).toHaveLength(3);
    expect(batches.map((b) => b.cpu?.value)).toEqual([5, 6, 7]);
    expect(batches.map((b) => b.memory?.value)).toEqual([50, 51, 52]);
    expect(batches.map((b) => b.handles?.value)).toEqual([100, 101, 102]);
    expect(errors).toEqual([]);
    // series that read NaN keep nothing
    const fed = { cpu: [5, 6, 7], memory: [50, 51, 52], handles: [100, 101, 102] };
    expect(sampler.history()).toEqual({ ...Object.fromEntries(SERIES_NAMES.map((name) => [name, []])), ...fed });
    sampler.stop();
  });

  it('passes the average of the PREVIOUS readings and warm=false until `window` readings were held', () => {
    vi.useFakeTimers();
    const { batches, hooks } = recorder();
    const sampler = new Sampler(sequenceReaders({ cpu: [1, 2, 3, 4, 5, 6] }), 3, 100, hooks);
    sampler.start();
    vi.advanceTimersByTime(600);
    sampler.stop();
    expect(batches.map((b) => b.cpu)).toEqual([
      { value: 1, average: 0, warm: false },
      { value: 2, average: 1, warm: false },
      { value: 3, average: 1.5, warm: false },
      { value: 4, average: 2, warm: true }, // the ring held 3 readings before this one
      { value: 5, average: 3, warm: true },
      { value: 6, average: 4, warm: true },
    ]);
    // latest() averages the ring including the latest reading
    expect(sampler.latest('cpu')).toEqual({ value: 6, average: 5, count: 3, samples: 6 });
  });

  it('reports a throwing reader through onError and still reads the other series', () => {
    const boom = new Error('no rss today');
    const { batches, errors, hooks } = recorder();
    const sampler = new Sampler(
      sequenceReaders({
        cpu: [10, 20],
        memory: [
          () => {
            throw boom;
          },
        ],
        handles: [3, 4],
      }),
      5,
      1000,
      hooks,
    );
    sampler.tick();
    sampler.tick();
    expect(errors).toEqual([
      { error: boom, series: 'memory' },
      { error: boom, series: 'memory' },
    ]);
    expect(batches).toHaveLength(2);
    expect(batches[1]).toEqual({ cpu: { value: 20, average: 10, warm: false }, handles: { value: 4, average: 3, warm: false } });
    expect('memory' in batches[1]!).toBe(false);
    expect(sampler.latest('memory')).toEqual({ value: null, average: null, count: 0, samples: 0 });
  });

  it.each([Number.NaN, Infinity, -Infinity])('skips a non-finite reading (%s) without pushing it', (bad) => {
    const { batches, errors, hooks } = recorder();
    const sampler = new Sampler(sequenceReaders({ cpu: [10, bad, 30] }), 5, 1000, hooks);
    sampler.tick();
    sampler.tick();
    sampler.tick();
    expect(errors).toEqual([]);
    expect(batches.map((b) => b.cpu)).toEqual([{ value: 10, average: 0, warm: false }, undefined, { value: 30, average: 10, warm: false }]);
    expect(batches[1]!.memory).toBeDefined();
    expect(sampler.history().cpu).toEqual([10, 30]);
  });

  it('reports a throwing onReadings as a tick error and never throws out of tick()', () => {
    const errors: Array<[unknown, string]> = [];
    const boom = new Error('listener broke');
    const sampler = new Sampler(sequenceReaders({}), 5, 1000, {
      onReadings: () => {
        throw boom;
      },
      onError: (error, series) => errors.push([error, series]),
    });
    expect(() => sampler.tick()).not.toThrow();
    expect(errors).toEqual([[boom, 'tick']]);
  });

  it('start() twice creates one timer only', () => {
    vi.useFakeTimers();
    const spy = vi.spyOn(globalThis, 'setInterval');
    const { batches, hooks } = recorder();
    const sampler = new Sampler(sequenceReaders({}), 5, 100, hooks);
    sampler.start();
    sampler.start();
    expect(spy).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(batches).toHaveLength(10);
    sampler.stop();
  });

  it('stop() stops the readings and releases the timer; stop() twice is harmless', () => {
    vi.useFakeTimers();
    const { batches, hooks } = recorder();
    const sampler = new Sampler(sequenceReaders({}), 5, 100, hooks);
    sampler.start();
    vi.advanceTimersByTime(300);
    expect(batches).toHaveLength(3);
    sampler.stop();
    expect(sampler.running).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(batches).toHaveLength(3);
    sampler.stop();
    // and it can start again
    sampler.start();
    vi.advanceTimersByTime(100);
    expect(batches).toHaveLength(4);
    sampler.stop();
  });

  it('setInterval() changes the cadence of a running sampler', () => {
    vi.useFakeTimers();
    const { batches, hooks } = recorder();
    const sampler = new Sampler(sequenceReaders({}), 5, 100, hooks);
    sampler.start();
    vi.advanceTimersByTime(200);
    expect(batches).toHaveLength(2);
    sampler.setInterval(50);
    expect(sampler.running).toBe(true);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(200);
    expect(batches).toHaveLength(6);
    sampler.setInterval(1000);
    vi.advanceTimersByTime(999);
    expect(batches).toHaveLength(6);
    vi.advanceTimersByTime(1);
    expect(batches).toHaveLength(7);
    sampler.stop();
  });

  it('setInterval() on a stopped sampler does not start it, and start() then uses the new interval', () => {
    vi.useFakeTimers();
    const { batches, hooks } = recorder();
    const sampler = new Sampler(sequenceReaders({}), 5, 100, hooks);
    sampler.setInterval(250);
    expect(sampler.running).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    sampler.start();
    vi.advanceTimersByTime(1000);
    expect(batches).toHaveLength(4);
    sampler.stop();
  });

  it('unrefs its timer so it never keeps the host alive', () => {
    // real timers: the Timeout object Node returns is what matters
    const spy = vi.spyOn(globalThis, 'setInterval');
    const sampler = new Sampler(sequenceReaders({}), 5, 60_000, recorder().hooks);
    sampler.start();
    try {
      expect(spy).toHaveBeenCalledTimes(1);
      const timer = spy.mock.results[0]!.value as NodeJS.Timeout;
      expect(typeof timer.hasRef).toBe('function');
      expect(timer.hasRef()).toBe(false);
    } finally {
      sampler.stop();
    }
  });

  it('clear() empties every ring so readings warm up again', () => {
    const { batches, hooks } = recorder();
    const sampler = new Sampler(sequenceReaders({ cpu: [1, 2, 3, 4] }), 2, 100, hooks);
    sampler.tick();
    sampler.tick();
    sampler.clear();
    for (const name of SERIES_NAMES) expect(sampler.latest(name)).toEqual({ value: null, average: null, count: 0, samples: 0 });
    sampler.tick();
    expect(batches[2]!.cpu).toEqual({ value: 3, average: 0, warm: false });
  });
});

describe('Sampler.shouldRecord', () => {
  it('a tick that must not count still runs every reader but pushes and evaluates nothing', () => {
    let calls = 0;
    let record = true;
    const batches: unknown[] = [];
    const readers = { ...sequenceReaders({ memory: [1], handles: [1] }), cpu: () => ++calls };
    const sampler = new Sampler(readers, 10, 1000, { shouldRecord: () => record, onReadings: (r) => batches.push(r), onError: () => {} });
    sampler.tick();
    record = false;
    sampler.tick();
    sampler.tick();
    record = true;
    sampler.tick();
    expect(calls).toBe(4); // readers ran every time, so each period starts fresh
    expect(batches).toHaveLength(2);
    expect(sampler.history().cpu).toEqual([1, 4]);
    expect(sampler.latest('cpu').samples).toBe(2);
  });
});
