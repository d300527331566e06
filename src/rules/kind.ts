import type { Logger } from '../logger.js';
import type { ProfileFormat } from '../options.js';
import type { FlightRecorder } from '../dumpers/flight-recorder.js';
import type { DumpDir } from '../sinks/dump-dir.js';
import type { Limits } from '../sources/limits.js';

/** What a rule's dumper gets to write one dump. */
export interface DumpContext {
  dir: DumpDir;
  /** `<kind>-<timestamp>-<pid>`; the dump is `<baseName>.<extension>`. */
  baseName: string;
  /** Aborted by `stop()`: a capture in progress is abandoned and nothing is written. */
  signal: AbortSignal;
  logger: Logger;
  /** Format of CPU and sampling heap profiles. */
  format: ProfileFormat;
  /** The limits in force (the memory limit bounds a heap snapshot's headroom). */
  limits: Limits;
  /** The always-on CPU profiler, when `cpu.flightRecorder` is on: CPU profiles then include the seconds before the trigger. */
  recorder: FlightRecorder | undefined;
  /** Runs a deliberate synchronous stall (a heap snapshot) with the blocked-loop watchdog told to look away. */
  stall<T>(run: () => T): T;
  /** Readies the dump directory (created 0700 if missing, room made under the retention bounds); call before writing. */
  ready(): Promise<void>;
  /** Reports that the planned dump was replaced by a cheaper one, and why (a `skip` event and a log line). */
  skip(reason: string): void;
}

/** A written dump: its final path and facts for the meta file. */
export interface DumpOutput {
  file: string;
  details?: Record<string, unknown>;
}

/** One rule kind: how to dump when it fires, and when a match must be skipped instead. */
export interface RuleKind<Config> {
  dump(context: DumpContext, config: Config): Promise<DumpOutput>;
  /** A reason to skip the dump for this value, or null. */
  veto?(value: number, config: Config): string | null;
}
