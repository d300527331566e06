import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { fromAddonProfile, type AddonProfile, type CpuProfile, type CpuProfiler } from './types.js';

/** The part of the `v8-profiler-next` addon holmes-node uses (the shape of both its package and its `cpu` binding). */
interface Addon {
  setGenerateType(type: number): void;
  setSamplingInterval(micros: number): void;
  setProfilesCleanupLimit(limit: number): void;
  /** `mode` 1 = eager logging; read only when the addon creates its V8 `CpuProfiler`. */
  startProfiling(title: string, recordSamples: boolean, mode?: number): void;
  stopProfiling(title: string): (AddonProfile & { delete(): void }) | undefined;
}

/** The compiled binding as `require` returns it. */
interface Binding {
  setup(options: { debug: boolean; thread_id: number }, check: () => { greater_than_12_15_0: boolean }): void;
  cpu: Addon;
}

let cached: Addon | null | undefined;
let loadError: unknown;

/** Loads the optional native addon once; null when it is not installed or does not load on this Node. */
export function loadAddon(): Addon | null {
  if (cached !== undefined) return cached;
  let require: NodeJS.Require;
  try {
    require = createRequire(import.meta.url);
  } catch (error) {
    // a CommonJS bundle of the ESM build has no module URL (esbuild leaves `import.meta` empty): nowhere to look from
    loadError = new Error(`holmes-node is bundled without a module URL to look for the addon from (${String(error)})`);
    cached = null;
    return cached;
  }
  try {
    cached = loadBinary(require);
  } catch (binaryError) {
    try {
      // another layout than the one we know (a newer node-pre-gyp, a custom build): let the package find it
      cached = require('v8-profiler-next') as Addon;
    } catch (error) {
      loadError = binaryError instanceof NotBuilt ? binaryError : error;
      cached = null;
      return cached;
    }
  }
  cached.setGenerateType(1); // nodes/samples/timeDeltas, as DevTools, instead of a `head` tree
  return cached;
}

/**
 * Loads the compiled `profiler.node` directly: the package's entry point first loads node-pre-gyp and its dependency
 * tree to find that file (measured: 200 ms of CPU and 15 MB RSS against 28 ms and 5 MB), which would land in
 * `start()`. What the package's `dispatch.js` adds around the CPU profiler is redone here: `setup`, and the idle
 * notifier that yields `(idle)` samples while a profile runs.
 */
function loadBinary(require: NodeJS.Require): Addon {
  const root = dirname(require.resolve('v8-profiler-next/package.json'));
  const file = join(root, binaryPath());
  if (!existsSync(file)) throw new NotBuilt();
  // through the package name, so a test can make the load fail as an ABI mismatch would
  const binding = require(`v8-profiler-next/${file.slice(root.length + 1)}`) as Binding;
  binding.setup({ debug: false, thread_id: threadId }, () => ({ greater_than_12_15_0: true }));
  return withIdleNotifier(binding.cpu);
}

/** Where node-pre-gyp puts the addon built for this Node, inside the package. */
export function binaryPath(): string {
  return join('build', 'binding', 'Release', `node-v${process.versions.modules}-${process.platform}-${process.arch}`, 'profiler.node');
}

/** npm keeps an optional dependency whose compile failed on `npm rebuild`, and drops it silently on install. */
class NotBuilt extends Error {
  constructor() {
    super(`installed but not built for this Node (ABI ${process.versions.modules}): its compile failed, or ran under another Node version`);
  }
}

type IdleNotifier = { _startProfilerIdleNotifier?: () => void; _stopProfilerIdleNotifier?: () => void };

/** Node marks the event loop idle for a profiler only while told to (what `dispatch.js` does). */
function withIdleNotifier(cpu: Addon): Addon {
  const node = process as unknown as IdleNotifier;
  const recording = new Set<string>();
  return {
    setGenerateType: (type) => cpu.setGenerateType(type),
    setSamplingInterval: (micros) => cpu.setSamplingInterval(micros),
    setProfilesCleanupLimit: (limit) => cpu.setProfilesCleanupLimit(limit),
    startProfiling(title, recordSamples, mode) {
      if (recording.size === 0) node._startProfilerIdleNotifier?.();
      recording.add(title);
      cpu.startProfiling(title, recordSamples, mode ?? 0);
    },
    stopProfiling(title) {
      // V8 returns no profile for a title it is not running, and the binding would dereference it
      if (!recording.delete(title)) return undefined;
      const profile = cpu.stopProfiling(title);
      if (recording.size === 0) node._stopProfilerIdleNotifier?.();
      return profile;
    },
  };
}

/** Why the addon did not load, for the log. */
export function addonLoadError(): unknown {
  return loadError;
}

/** Largest cleanup limit: the addon then never disposes its profiler, so the eager one lives as long as the process. */
const NEVER_CLEAN_UP = 2 ** 31 - 1;
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
    // without the limit, the addon disposes its profiler at the stop below and the eager mode is lost
    addon.setProfilesCleanupLimit(NEVER_CLEAN_UP);
    const title = `holmes-node-eager-${process.pid}`;
    addon.startProfiling(title, false, 1);
    addon.stopProfiling(title)?.delete();
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

let sequence = 0;
/** Profiles this addon is running: V8 refuses a new sampling interval while one runs, so only the first sets it. */
let running = 0;

/** CPU profiler through the `v8-profiler-next` addon: no inspector session, profile handed over without a JSON round trip. */
export class NativeCpuProfiler implements CpuProfiler {
  readonly backend = 'v8-profiler-next' as const;
  /** Fixed at start: whether this profile runs on the eager profiler created before it. */
  readonly eager: boolean;
  private title: string | undefined;

  constructor(private readonly addon: Addon) {
    this.eager = eagerSince !== undefined;
  }

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
      return fromAddonProfile(profile);
    } finally {
      profile.delete();
    }
  }

  async discard(): Promise<void> {
    await this.stop().catch(() => undefined);
  }
}
