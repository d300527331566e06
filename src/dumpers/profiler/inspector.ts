import { InspectorSession } from '../inspector-session.js';
import { toDevtoolsProfile, type CpuProfile, type CpuProfiler } from './types.js';

/** CPU profiler through Node's built-in `inspector` (no native addon): the fallback, and the default when the addon is missing. */
export class InspectorCpuProfiler implements CpuProfiler {
  readonly backend = 'inspector' as const;
  /** Each inspector session creates its own lazily-logging V8 profiler. */
  readonly eager = false;
  private session: InspectorSession | undefined;

  async start(samplingIntervalMicros: number): Promise<void> {
    const session = new InspectorSession();
    this.session = session;
    // posted together, in order, before any await: an in-process session dispatches at once, so the profile starts
    // now, as the addon's does, not after the task that asked for it (a spike running in that task would be missed)
    const steps = [
      session.post('Profiler.enable'),
      session.post('Profiler.setSamplingInterval', { interval: samplingIntervalMicros }),
      session.post('Profiler.start'),
    ];
    try {
      await Promise.all(steps);
    } catch (error) {
      this.close();
      throw error;
    }
  }

  async stop(): Promise<CpuProfile> {
    const session = this.session;
    if (!session) throw new Error('profiler is not running');
    try {
      const { profile } = await session.post<{ profile: CpuProfile }>('Profiler.stop');
      return toDevtoolsProfile(profile);
    } finally {
      this.close();
    }
  }

  async discard(): Promise<void> {
    await this.stop().catch(() => undefined);
  }

  private close(): void {
    this.session?.close();
    this.session = undefined;
  }
}
