import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LEDGER_NAME } from '../../src/pipeline/ledger.js';
import { fixture, freshDir, startChild } from '../helpers/child.js';

describe('many processes, one dump directory', () => {
  it('a cluster of three workers, all firing: the hourly cap holds for the directory and each worker keeps its block evidence', async () => {
    const dumpDir = freshDir();
    const maxDumpsPerHour = 6;
    const options = {
      dumpDir,
      interval: 100,
      window: 3,
      maxDumpsPerHour,
      maxDumps: 4,
      cpu: { min: 0, abs: 10, diff: 1e9, profileDuration: 200, cooldown: 100 },
      eventLoop: { block: 300, min: 1e8, abs: 1e9, diff: 1e9 },
      memory: false,
      handles: false,
      heap: false,
      gc: false,
    };
    const child = startChild(fixture('cluster.mjs'), [JSON.stringify(options)]);
    expect(await child.exit(), child.describe()).toEqual({ code: 0, signal: null });

    const workers = [...new Set(child.events.filter((e) => e.pid !== undefined).map((e) => e.pid as number))];
    expect(workers, child.describe()).toHaveLength(3);
    expect(
      child.events.filter((e) => e.event === 'error'),
      child.describe(),
    ).toEqual([]);

    // every worker kept firing, yet the directory saw at most maxDumpsPerHour dumps: the budget is shared
    const dumps = child.events.filter((e) => e.event === 'dump');
    expect(dumps.length, child.describe()).toBeLessThanOrEqual(maxDumpsPerHour);
    expect(child.events.filter((e) => e.event === 'worker-done')).toHaveLength(3);
    const refusals = child.events.filter((e) => e.event === 'skip' && /by every process writing there, reached maxDumpsPerHour \(6\)/.test(String(e.reason)));
    expect(refusals.length, child.describe()).toBeGreaterThan(0);
    const ledger = readFileSync(join(dumpDir, LEDGER_NAME), 'utf8').trim().split('\n');
    expect(ledger.length).toBe(dumps.length);
    expect(new Set(ledger.map((line) => Number(line.split(' ')[1]))).size).toBeGreaterThan(1);

    // each worker's only block dump survived the others' retention (maxDumps 4, while CPU profiles kept coming)
    const names = readdirSync(dumpDir);
    for (const pid of workers) {
      expect(
        names.filter((name) => name.endsWith(`-${pid}.block.json`)),
        `block dump of worker ${pid} in ${names.join(', ')}\n${child.describe()}`,
      ).toHaveLength(1);
    }
    expect(names.filter((name) => name.startsWith('.holmes-tmp-') || name.endsWith('.lock'))).toEqual([]);
  });
});
