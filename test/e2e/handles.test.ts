import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshDir, runScenario, type ChildEvent } from '../helpers/child.js';

interface HandlesFile {
  total: number;
  byType: Record<string, number>;
  handles: Array<Record<string, unknown>>;
  stacks: Array<{ type: string; count: number; stack: string[] }> | null;
}

function handlesDump(events: ChildEvent[]): { file: string; dump: HandlesFile } {
  const event = events.find((e) => e.event === 'dump');
  expect(event, JSON.stringify(events)).toBeDefined();
  const file = event!.file as string;
  expect(basename(file)).toMatch(/^handles-\d{8}T\d{6}\.\d{3}Z-\d+\.handles\.json$/);
  return { file, dump: JSON.parse(readFileSync(file, 'utf8')) as HandlesFile };
}

const rule = { min: 50, diff: 100, abs: 100_000, max: 0 };

describe('handles rule, end to end', () => {
  it('a timer leak yields a .handles.json counting at least the leaked timers, with their stack grouped', async () => {
    const leaked = 200;
    const result = await runScenario(
      'timers',
      {
        dumpDir: freshDir(),
        interval: 100,
        window: 5,
        handles: { ...rule, trackStacks: true },
        cpu: false,
        memory: false,
      },
      { LEAK_COUNT: String(leaked) },
    );
    expect(result.code, result.stderr).toBe(0);
    const { dump } = handlesDump(result.events);
    expect(dump.byType.Timeout).toBeGreaterThanOrEqual(leaked);
    expect(dump.total).toBeGreaterThanOrEqual(leaked);
    const timers = dump.handles.filter((h) => h.type === 'Timeout' && h.delay === 60_000 && h.repeat === true);
    expect(timers.length).toBeGreaterThanOrEqual(leaked);
    const group = dump.stacks!.find((g) => g.stack.some((frame) => frame.includes('leakTimersInHolmesTest')));
    expect(group, JSON.stringify(dump.stacks!.slice(0, 3))).toBeDefined();
    expect(group!.type).toBe('Timeout');
    expect(group!.count).toBeGreaterThanOrEqual(leaked);
  });

  it('a socket leak yields a .handles.json counting the sockets with their addresses', async () => {
    const leaked = 120;
    const result = await runScenario(
      'sockets',
      {
        dumpDir: freshDir(),
        interval: 100,
        window: 5,
        handles: { ...rule, min: 100, trackStacks: true },
        cpu: false,
        memory: false,
      },
      { LEAK_COUNT: String(leaked) },
    );
    expect(result.code, result.stderr).toBe(0);
    const { dump } = handlesDump(result.events);
    // both ends of each connection live in this process
    expect(dump.byType.TCPSocketWrap).toBeGreaterThanOrEqual(leaked);
    const sockets = dump.handles.filter((h) => h.type === 'Socket' && h.remoteAddress === '127.0.0.1');
    expect(sockets.length).toBeGreaterThanOrEqual(leaked);
    expect(sockets.every((s) => typeof s.localPort === 'number' && typeof s.remotePort === 'number')).toBe(true);
    expect(dump.handles.some((h) => h.type === 'Server' && h.listening === true && typeof h.port === 'number')).toBe(true);
    const group = dump.stacks!.find((g) => g.stack.some((frame) => frame.includes('leakSocketsInHolmesTest')));
    expect(group, JSON.stringify(dump.stacks!.slice(0, 3))).toBeDefined();
  });

  it('without trackStacks the dump has counts and details but no stacks', async () => {
    const result = await runScenario(
      'timers',
      {
        dumpDir: freshDir(),
        interval: 100,
        window: 5,
        handles: rule,
        cpu: false,
        memory: false,
      },
      { LEAK_COUNT: '150' },
    );
    expect(result.code, result.stderr).toBe(0);
    const { dump } = handlesDump(result.events);
    expect(dump.byType.Timeout).toBeGreaterThanOrEqual(150);
    expect(dump.stacks).toBeNull();
  });

  it('above handles.max the dump is skipped and said so', async () => {
    const dumpDir = freshDir();
    const result = await runScenario(
      'timers',
      {
        dumpDir,
        interval: 100,
        window: 5,
        handles: { ...rule, max: 100 },
        cpu: false,
        memory: false,
      },
      { LEAK_COUNT: '150', STOP_ON: 'skip' },
    );
    expect(result.code, result.stderr).toBe(0);
    const skip = result.events.find((e) => e.event === 'skip');
    expect(skip).toMatchObject({ kind: 'handles' });
    expect(String(skip!.reason)).toContain('handles.max');
    expect(result.events.some((e) => e.event === 'dump')).toBe(false);
  });
});
