import { createRequire } from 'node:module';
import { toDevtoolsProfile, type CpuProfile, type CpuProfiler } from './types.js';

/** The part of the `v8-profiler-next` addon holmes-node uses. */
interface Addon {
  setGenerateType(type: number): void;
  setSamplingInterval(micros: number): void;
  startProfiling(title: string, recordSamples: boolean): void;
  stopProfiling(title: string): (CpuProfile & { delete(): void }) | undefined;
}

let cached: Addon | null | undefined;
let loadError: unknown;

/** Loads the optional native addon once; null when it is not installed or does not load on this Node. */
export function loadAddon(): Addon | null {
  if (cached !== undefined) return cached;
  try {
    const require = createRequire(import.meta.url);
    const addon = require('v8-profiler-next') as Addon;
    addon.setGenerateType(1); // the current DevTools format
    cached = addon;
  } catch (error) {
    loadError = error;
    cached = null;
  }
  return cached;
}

/** Why the addon did not load, for the log. */
export function addonLoadError(): unknown {
  return loadError;
}

let sequence = 0;
/** Profiles this addon is running: V8 refuses a new sampling interval while one runs, so only the first sets it. */
let running = 0;

/** CPU profiler through the `v8-profiler-next` addon: no inspector session, profile handed over without a JSON round trip. */
export class NativeCpuProfiler implements CpuProfiler {
  readonly backend = 'v8-profiler-next' as const;
  private title: string | undefined;

  constructor(private readonly addon: Addon) {}

  async start(samplingIntervalMicros: number): Promise<void> {
    if (running === 0) this.addon.setSamplingInterval(samplingIntervalMicros);
    this.title = `holmes-node-${process.pid}-${++sequence}`;
    this.addon.startProfiling(this.title, true);
    running++;
  }

  async stop(): Promise<CpuProfile> {
    const title = this.title;
    if (!title) throw new Error('profiler is not running');
    this.title = undefined;
    running--;
    const profile = this.addon.stopProfiling(title);
    if (!profile) throw new Error('v8-profiler-next returned no profile');
    try {
      return toDevtoolsProfile(profile);
    } finally {
      profile.delete();
    }
  }

  async discard(): Promise<void> {
    await this.stop().catch(() => undefined);
  }
}
