import { Session } from 'node:inspector';
import type { Logger } from '../logger.js';
import type { HeapProfile } from './heap-profile.js';

/** Who started the sampling heap profiler holmes-node reads: itself, or the host (its own session, an APM, `--heap-prof`). */
export type SamplerOwner = 'holmes-node' | 'host';

/** The live heap by allocation site, read from the running sampling heap profiler without stopping it. */
export interface LiveHeapProfile {
  profile: HeapProfile;
  owner: SamplerOwner;
  /** The sampling interval in bytes; null when the host started the profiler (its interval is not readable). */
  intervalBytes: number | null;
}

/**
 * Posts on an in-thread inspector session. Such a session answers within the call, so the result is returned
 * synchronously; a method V8 refuses throws its error.
 */
function postNow<T>(session: Session, method: string, params: object = {}): T {
  let outcome: { error: Error | null; result: unknown } | undefined;
  session.post(method, params, (error, result) => {
    outcome = { error, result };
  });
  if (!outcome) throw new Error(`inspector ${method} did not answer within the call`);
  if (outcome.error) throw outcome.error;
  return outcome.result as T;
}

/**
 * V8's sampling heap profiler, kept running from `start()` so that a memory dump is the live heap by allocation site,
 * read at once (`HeapProfiler.getSamplingProfile`), with no sampling wait and no stall.
 *
 * There is one such profiler per isolate, shared by every inspector session. `startSampling` on a profiler that is
 * already running is silently ignored by V8, yet marks the calling session as its owner, so that session's
 * `stopSampling` or disconnect would stop the host's profile (seen on Node 20, 22, 24 and 26). So holmes-node first
 * asks whether one runs; when it does (the host's session, an APM, `node --heap-prof`), holmes-node reads that one and
 * never starts, stops or claims it.
 */
export class HeapSampler {
  #session: Session | undefined;
  #owner: SamplerOwner | undefined;
  #intervalBytes = 0;

  constructor(private readonly logger: Logger) {}

  /** Whether holmes-node holds a session on the profiler (its own profile or the host's). */
  get active(): boolean {
    return this.#session !== undefined;
  }

  /** The interval holmes-node asked for at `start()`. */
  get intervalBytes(): number {
    return this.#intervalBytes;
  }

  /** Who started the profile being read; undefined while stopped. */
  get owner(): SamplerOwner | undefined {
    return this.#owner;
  }

  /** Starts sampling every `intervalBytes` on average, or joins the host's profile when one runs. May throw. */
  start(intervalBytes: number): void {
    if (this.#session) return;
    const session = new Session();
    session.connect();
    this.#session = session;
    this.#intervalBytes = intervalBytes;
    try {
      this.#claim();
    } catch (error) {
      this.stop();
      throw error;
    }
  }

  /** Stops the profile if holmes-node started it; a host's profile is left running. Never throws. */
  stop(): void {
    const session = this.#session;
    if (!session) return;
    this.#session = undefined;
    try {
      if (this.#owner === 'holmes-node' && this.#running(session)) postNow(session, 'HeapProfiler.stopSampling');
    } catch {
      // stopped meanwhile by another session
    }
    this.#owner = undefined;
    try {
      session.disconnect();
    } catch {
      // already disconnected
    }
  }

  /**
   * The live heap by allocation site, now. Throws when no profile runs: the host may have stopped it (a host that
   * starts sampling after holmes-node shares holmes-node's profile, and its `stopSampling` ends it). Sampling is then
   * restarted (or the host's new profile joined) for the next dump.
   */
  profile(): LiveHeapProfile {
    const session = this.#session;
    if (!session) throw new Error('the sampling heap profiler is not running');
    const owner = this.#owner!;
    try {
      const { profile } = postNow<{ profile: HeapProfile }>(session, 'HeapProfiler.getSamplingProfile');
      return { profile, owner, intervalBytes: owner === 'holmes-node' ? this.#intervalBytes : null };
    } catch (error) {
      this.#claim();
      throw new Error(
        `the sampling heap profiler ${owner === 'host' ? 'the host had started' : 'holmes-node had started'} was stopped by another session (${String(error)}); sampling again from now`,
      );
    }
  }

  /** Joins a running profile, or starts holmes-node's own, and says which. */
  #claim(): void {
    const session = this.#session!;
    if (this.#running(session)) {
      this.#owner = 'host';
      this.logger.info('a sampling heap profiler is already running (the host, an APM or --heap-prof): holmes-node reads its profile and never stops it');
      return;
    }
    postNow(session, 'HeapProfiler.startSampling', { samplingInterval: this.#intervalBytes });
    this.#owner = 'holmes-node';
  }

  /** Whether any session (or `--heap-prof`) has the isolate's sampling heap profiler running. */
  #running(session: Session): boolean {
    try {
      postNow(session, 'HeapProfiler.getSamplingProfile');
      return true;
    } catch {
      return false;
    }
  }
}
