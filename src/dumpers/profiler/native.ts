import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fromAddonProfile, type CpuProfile, type CpuProfiler } from './types.js';

/** What `native/profiler.cc` exports: one V8 `CpuProfiler` per thread, made once, and profiles on it. */
interface Addon {
  /** Creates the profiler (eager logging when `eager`); false when it already existed. */
  create(eager: boolean): boolean;
  /** Starts a profile sampling every `micros` (the profiler's base interval too when `setBase`); its id. */
  start(micros: number, setBase: boolean): number;
  /** Stops a profile; undefined for an id that is not running. DevTools' shape, script paths as V8 names them. */
  stop(id: number): CpuProfile | undefined;
}

/** Where the install step (`native/install.mjs`, node-gyp) puts the addon, inside the package. */
export const BINARY = join('native', 'build', 'Release', 'holmes_profiler.node');

/** The package's root: resolved by its own name, so it is the same from `src/` (tests) and `dist/` (users). */
export function binaryFile(): string {
  return join(dirname(createRequire(import.meta.url).resolve('holmes-node/package.json')), BINARY);
}

let cached: Addon | null | undefined;
let loadError: unknown;

/** Loads the addon once; null when it was not built (install scripts off, no compiler) or not for this Node. */
export function loadAddon(): Addon | null {
  if (cached !== undefined) return cached;
  try {
    const file = binaryFile();
    if (!existsSync(file)) throw new NotBuilt();
    cached = createRequire(import.meta.url)(file) as Addon;
  } catch (error) {
    loadError = error;
    cached = null;
  }
  return cached;
}

/** The install step did not build it: its compile failed, or install scripts were off. */
class NotBuilt extends Error {
  constructor() {
    super('not built: its compile at install failed or install scripts were off (`npm rebuild holmes-node` builds it)');
  }
}

/** Why the addon did not load, for the log. */
export function addonLoadError(): unknown {
  return loadError;
}

let eagerSince: number | undefined;
let eagerError: unknown;

/**
 * Creates the addon's V8 profiler in eager logging mode, once per process, and keeps it with no profile running.
 * An eagerly-logging profiler records every code object as V8 creates it, so a profile started much later still
 * names a hot function that runs on-stack-replaced or inlined code compiled before the profile (on Node 22, 24
 * and 26 a lazily-logging one charges its samples to the caller). It only knows code created after this call,
 * hence at start-up. Returns whether the profiler is eager.
 */
export function ensureEagerProfiler(): boolean {
  if (eagerSince !== undefined) return true;
  if (eagerError !== undefined) return false;
  const addon = loadAddon();
  if (!addon) return false;
  try {
    // a profiler made lazily earlier (a profile taken before start) stays lazy: V8 fixes the mode at creation
    if (!addon.create(true)) throw new Error('a lazily-logging profiler was created first');
    eagerSince = process.uptime() * 1000;
    return true;
  } catch (error) {
    eagerError = error;
    return false;
  }
}

/** Process uptime (ms) when the eager profiler was created; undefined when there is none. */
export function eagerProfilerSince(): number | undefined {
  return eagerSince;
}

/** Why the eager profiler could not be created, for the log. */
export function eagerProfilerError(): unknown {
  return eagerError;
}

type IdleNotifier = { _startProfilerIdleNotifier?: () => void; _stopProfilerIdleNotifier?: () => void };
const idleNotifier = process as unknown as IdleNotifier;

/** Profiles this addon is running: V8 refuses a new base sampling interval while one runs. */
let running = 0;

/** CPU profiler through holmes-node's own addon: no inspector session, profile handed over without a JSON round trip. */
export class NativeCpuProfiler implements CpuProfiler {
  readonly backend = 'native' as const;
  /** Fixed at start: whether this profile runs on the eager profiler created before it. */
  readonly eager: boolean;
  private id: number | undefined;

  constructor(private readonly addon: Addon) {
    this.eager = eagerSince !== undefined;
  }

  async start(samplingIntervalMicros: number): Promise<void> {
    this.addon.create(false); // no-op when the eager one exists
    this.id = this.addon.start(samplingIntervalMicros, running === 0);
    // Node marks the event loop idle for a profiler only while told to: that yields the `(idle)` samples
    if (running++ === 0) idleNotifier._startProfilerIdleNotifier?.();
  }

  async stop(): Promise<CpuProfile> {
    const id = this.id;
    if (id === undefined) throw new Error('profiler is not running');
    this.id = undefined;
    if (--running === 0) idleNotifier._stopProfilerIdleNotifier?.();
    const profile = this.addon.stop(id);
    if (!profile) throw new Error('the native profiler returned no profile');
    return fromAddonProfile(profile);
  }

  async discard(): Promise<void> {
    await this.stop().catch(() => undefined);
  }
}
