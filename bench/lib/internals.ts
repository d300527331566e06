// What the reading-cost benchmark needs from inside holmes-node: the sampler with its readers exactly as holmes.ts
// wires them. The public package (dist/) exports only Holmes, so bench/lib/load.mjs bundles this file from the
// TypeScript sources with esbuild at bench time (into bench/.build/, which is not committed).
//
// `shippedSampler` mirrors the Holmes constructor (readers), #syncRuntime (which sources run) and #evaluate (rule
// decisions and gates), minus taking a dump. It is typed against the sources, so when holmes.ts gains a series the
// `Readers` record below stops compiling (npm run typecheck covers bench/) and this mirror must be updated with it.
import { resolveOptions, RULE_NAMES, type HolmesOptions, type RuleName } from '../../src/options.js';
import { DumpGuard } from '../../src/rules/dump-guard.js';
import { RuleState, decide } from '../../src/rules/rule.js';
import { Sampler, type Readers, type Reading, type SeriesName } from '../../src/sampler.js';
import { CpuSource } from '../../src/sources/cpu.js';
import { EventLoopDelaySource } from '../../src/sources/event-loop.js';
import { GcSource } from '../../src/sources/gc.js';
import { countActiveResources } from '../../src/sources/handles.js';
import { HeapSource } from '../../src/sources/heap.js';
import { detectLimits } from '../../src/sources/limits.js';
import { MemorySource } from '../../src/sources/memory.js';

export { Ring } from '../../src/series/ring.js';
export { decide, RuleState, DumpGuard, RULE_NAMES, detectLimits, countActiveResources };
export { DEFAULTS } from '../../src/options.js';

export interface ShippedSampler {
  sampler: Sampler;
  /** Which optional sources run with this configuration (their readers return NaN otherwise). */
  sources: { loopDelay: boolean; gc: boolean };
  /** Rules that matched and passed every gate: where Holmes would start a dump. */
  fired: Record<RuleName, number>;
  stop(): void;
}

/** The sampler of `new Holmes(options).start()`, as wired in holmes.ts; dumps are counted, not taken. */
export function shippedSampler(options: HolmesOptions = {}): ShippedSampler {
  const config = resolveOptions(options);
  const limits = detectLimits(config.limits);
  const cpu = new CpuSource(null);
  const memory = new MemorySource(1);
  const loopDelay = new EventLoopDelaySource();
  const gc = new GcSource();
  const heap = new HeapSource();
  cpu.setCores(limits.cpuCores);
  memory.setLimit(limits.memoryBytes);
  // #syncRuntime: the loop-delay histogram and the GC observer run only for their enabled rules
  if (config.eventLoop.enabled) loopDelay.start();
  if (config.gc.enabled) gc.start();

  const states = Object.fromEntries(RULE_NAMES.map((rule) => [rule, new RuleState()])) as Record<RuleName, RuleState>;
  const guard = new DumpGuard();
  const fired = Object.fromEntries(RULE_NAMES.map((rule) => [rule, 0])) as Record<RuleName, number>;

  // #evaluate, minus the dump
  function evaluate(readings: Partial<Record<SeriesName, Reading>>): void {
    const now = Date.now();
    const matched: Array<{ rule: RuleName; reading: Reading }> = [];
    for (const rule of RULE_NAMES) {
      const reading = readings[rule];
      if (!reading) continue;
      const c = config[rule];
      const trigger = decide(reading.value, reading.average, reading.warm, c);
      if (trigger && !states[rule].gate(now, c.enabled)) matched.push({ rule, reading });
    }
    if (matched.length > 1) matched.sort((a, b) => states[a.rule].lastStart - states[b.rule].lastStart);
    for (const { rule } of matched) {
      const c = config[rule];
      const blocked = guard.check(now, readings.cpu?.value, config);
      if (blocked === 'busy') continue;
      if (!blocked) {
        guard.begin(now);
        states[rule].lastStart = now;
        fired[rule]++;
        guard.end();
      }
      states[rule].coolDown(now, c.cooldown ?? config.cooldown);
    }
  }

  const readers: Readers = {
    cpu: () => cpu.read(),
    memory: () => memory.read(),
    handles: countActiveResources,
    eventLoop: () => loopDelay.read(),
    heap: () => heap.read(),
    gc: () => gc.read(),
  };
  const sampler = new Sampler(readers, config.window, config.interval, {
    onReadings: evaluate,
    onError: (error) => {
      throw error;
    },
  });
  cpu.reset();
  return {
    sampler,
    sources: { loopDelay: loopDelay.active, gc: gc.active },
    fired,
    stop() {
      loopDelay.stop();
      gc.stop();
    },
  };
}
