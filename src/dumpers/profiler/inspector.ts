import { Session } from 'node:inspector';
import { toDevtoolsProfile, type CpuProfile, type CpuProfiler } from './types.js';

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => {
    session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result as T)));
  });
}

/** CPU profiler through Node's built-in `inspector` (no native addon): the fallback, and the default when the addon is missing. */
export class InspectorCpuProfiler implements CpuProfiler {
  readonly backend = 'inspector' as const;
  private session: Session | undefined;

  async start(samplingIntervalMicros: number): Promise<void> {
    const session = new Session();
    session.connect();
    this.session = session;
    try {
      await post(session, 'Profiler.enable');
      await post(session, 'Profiler.setSamplingInterval', { interval: samplingIntervalMicros });
      await post(session, 'Profiler.start');
    } catch (error) {
      this.close();
      throw error;
    }
  }

  async stop(): Promise<CpuProfile> {
    const session = this.session;
    if (!session) throw new Error('profiler is not running');
    try {
      const { profile } = await post<{ profile: CpuProfile }>(session, 'Profiler.stop');
      return toDevtoolsProfile(profile);
    } finally {
      this.close();
    }
  }

  async discard(): Promise<void> {
    await this.stop().catch(() => undefined);
  }

  private close(): void {
    try {
      this.session?.disconnect();
    } catch {
      // already disconnected
    }
    this.session = undefined;
  }
}
