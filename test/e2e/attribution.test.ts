import { describe, expect, it } from 'vitest';
import { addonBuilt, busyShare, runAttribution } from './attribution-child.js';
import { Host, freshDir } from '../helpers/child.js';
import { nativeAddon, requires } from '../helpers/requirements.js';

const MAJOR = Number(process.versions.node.split('.')[0]);
const ADDON = addonBuilt();

/**
 * With default V8 flags a hot function that V8 inlines or runs on-stack-replaced is charged to its caller by a
 * profile started late, on Node >= 22 (docs/research). holmes-node starts at process start here, so its eager
 * profiler exists before the code gets hot; the CPU rule fires after 2 s of hot work, as in production.
 */
/** Who calls the hot function in each scenario (V8 names the timer's arrow after the array it sits in). */
const CALLER: Record<string, string> = { timer: 'callers', http: 'handleInHolmesTest', async: 'workInHolmesTest' };

/**
 * Node 24's V8 (13.6) does not expand a function Maglev inlined into its caller, in any logging mode: the samples
 * are split between the two (research: eager named it in 5 of 9 runs; here the HTTP case gave the function 40–63 %
 * of busy samples over 3 runs, the caller most of the rest). There the test asserts what holds: the function is
 * named with a large share, and the two together hold most of the samples.
 */
const MAGLEV_SPLIT = MAJOR === 24 && ADDON;

describe('CPU profile attribution with default V8 flags', () => {
  for (const scenario of ['timer', 'http', 'async']) {
    it(`a hot function called from ${scenario === 'http' ? 'an HTTP handler under load' : scenario === 'timer' ? 'a timer' : 'an async function'} gets most busy samples of a late profile`, async () => {
      const dumpDir = freshDir('holmes-attr-');
      const events = await runAttribution(
        scenario,
        {
          dumpDir,
          interval: 100,
          window: 1,
          cpu: { min: 5, abs: 8, profileDuration: 1000 },
        },
        2000,
        'native',
      );
      const dump = events.find((e) => e.event === 'dump');
      expect(dump, JSON.stringify(events)).toBeDefined();
      const details = dump!.details as { profiler: string; attribution: string };
      expect(details.profiler).toBe(ADDON ? 'native' : 'inspector');
      expect(details.attribution).toBe(ADDON ? 'eager' : 'late');
      // without the addon, Node >= 22 says once why names may be wrong and how to fix it
      const warnings = events.filter((e) => e.event === 'log' && e.level === 'warn' && String(e.m).includes('charge a hot function'));
      expect(warnings.length).toBe(!ADDON && MAJOR >= 22 ? 1 : 0);

      const share = busyShare(dump!.file as string, 'hotInHolmesTest');
      const message = `Node ${process.version} ${scenario}: ${JSON.stringify(share)}`;
      if (MAGLEV_SPLIT) {
        expect(share.share, message).toBeGreaterThanOrEqual(0.25);
        const caller = busyShare(dump!.file as string, CALLER[scenario]!);
        expect(share.share + caller.share, message).toBeGreaterThanOrEqual(0.5);
      } else {
        expect(share.share, message).toBeGreaterThanOrEqual(0.5);
      }
    });
  }
});

describe('the eager profiler', () => {
  it('is created once per process: a stop/start cycle profiles on the same one', async (ctx) => {
    requires(ctx, nativeAddon);
    const dumpDir = freshDir();
    const host = await Host.start({
      interval: 50,
      window: 1,
      cooldown: 100,
      dumpDir,
      cpu: { min: 0, diff: 0, abs: 0, profileDuration: 100 },
      memory: false,
      handles: false,
    });
    try {
      await host.send('burn 1000');
      const first = await host.waitFor((e) => e.event === 'dump' && e.kind === 'cpu');
      await host.send('stop');
      await host.send('start');
      const from = host.events.length;
      await host.send('burn 1000');
      const second = await host.waitFor((e) => e.event === 'dump' && e.kind === 'cpu', from);
      const details = [first, second].map((e) => e.details as { attribution: string; eagerSinceUptimeMs: number });
      expect(details.map((d) => d.attribution)).toEqual(['eager', 'eager']);
      expect(details[1]!.eagerSinceUptimeMs).toBe(details[0]!.eagerSinceUptimeMs);
      expect(details[0]!.eagerSinceUptimeMs).toBeGreaterThan(0);
    } finally {
      await host.exit();
    }
  });
});
