import { describe, expect, it } from 'vitest';
import { freshDir, runScenario } from '../helpers/child.js';

describe('lifecycle, end to end', () => {
  it('a started holmes never keeps the process alive, even when stop() is never called', async () => {
    const result = await runScenario('idle', { dumpDir: freshDir(), interval: 50, window: 3 });
    expect(result.code, result.stderr).toBe(0);
    const readings = result.events.find((e) => e.event === 'readings')!.readings as Record<string, { count: number; value: number }>;
    expect(readings.cpu.count).toBe(3);
    expect(readings.memory.value).toBeGreaterThan(0);
    expect(result.events.at(-1)!.event).toBe('end');
  });

  it('after a dump and stop() the process exits by itself', async () => {
    const result = await runScenario(
      'timers',
      {
        dumpDir: freshDir(),
        interval: 50,
        window: 3,
        handles: { min: 50, diff: 100, abs: 100_000, trackStacks: true },
        cpu: false,
        memory: false,
      },
      { LEAK_COUNT: '100' },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.events.map((e) => e.event)).toEqual(expect.arrayContaining(['dump', 'end']));
  });
});
